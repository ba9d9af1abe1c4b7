#include "demo_dialog.hpp"

#include <unistd.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSpinBox>

namespace monitor {

demo_dialog::demo_dialog(QWidget* parent) : QDialog(parent), demo_(new demo_process(this)) {
    setWindowTitle(tr("Launch demo"));
    const demo_options defaults;
    auto* form = new QFormLayout(this);
    channel_ = new QComboBox(this);
    channel_->addItems({QStringLiteral("ring"), QStringLiteral("slots"), QStringLiteral("duplex"),
                        QStringLiteral("broker"), QStringLiteral("stream")});
    name_edit_ = new QLineEdit(this);
    name_edit_->setPlaceholderText(channel_name(QStringLiteral("ring")));
    rate_ = new QDoubleSpinBox(this);
    rate_->setRange(0, 10'000'000);
    rate_->setDecimals(0);
    rate_->setValue(defaults.rate);
    rate_->setSuffix(tr(" per second (0: flat out)"));
    size_ = new QSpinBox(this);
    size_->setRange(0, 1 << 20);
    size_->setValue(defaults.size);
    size_->setSuffix(tr(" B"));
    duration_ = new QDoubleSpinBox(this);
    duration_->setRange(0, 86'400);
    duration_->setSuffix(tr(" s (0: until stopped)"));
    slots_ = new QSpinBox(this);
    slots_->setRange(1, 256);
    slots_->setValue(defaults.slots);
    wait_ = new QComboBox(this);
    wait_->addItems(
        {QStringLiteral("adaptive"), QStringLiteral("spin"), QStringLiteral("blocking")});
    form->addRow(tr("Channel"), channel_);
    form->addRow(tr("Name"), name_edit_);
    form->addRow(tr("Rate"), rate_);
    form->addRow(tr("Message size"), size_);
    form->addRow(tr("Duration"), duration_);
    form->addRow(tr("Slots (slots only)"), slots_);
    clients_ = new QSpinBox(this);
    clients_->setRange(1, 256);
    clients_->setValue(defaults.clients);
    clients_->setEnabled(false);
    form->addRow(tr("Clients, writers (broker, stream)"), clients_);
    restart_ = new QDoubleSpinBox(this);
    restart_->setRange(0, 3600);
    restart_->setSuffix(tr(" s (0: never)"));
    restart_->setEnabled(false);
    form->addRow(tr("Restart the reader every (stream)"), restart_);
    form->addRow(tr("Waiting side"), wait_);
    protocol_ = new QComboBox(this);
    protocol_->addItems({QStringLiteral("native"), QStringLiteral("efdstream")});
    protocol_->setEnabled(false);
    form->addRow(tr("Protocol (duplex only)"), protocol_);
    connect(channel_, &QComboBox::currentTextChanged, this, [this](const QString& channel) {
        name_edit_->setPlaceholderText(channel_name(channel));
        slots_->setEnabled(channel == QLatin1String("slots"));
        protocol_->setEnabled(channel == QLatin1String("duplex"));
        clients_->setEnabled(channel == QLatin1String("broker") ||
                             channel == QLatin1String("stream"));
        restart_->setEnabled(channel == QLatin1String("stream"));
    });
    slots_->setEnabled(false);
    auto* buttons = new QHBoxLayout;
    start_ = new QPushButton(tr("Start"), this);
    stop_ = new QPushButton(tr("Stop"), this);
    buttons->addWidget(start_);
    buttons->addWidget(stop_);
    form->addRow(buttons);
    log_ = new QPlainTextEdit(this);
    log_->setReadOnly(true);
    log_->setMinimumSize(420, 140);
    form->addRow(log_);
    connect(start_, &QPushButton::clicked, this, [this] { start(chosen()); });
    connect(stop_, &QPushButton::clicked, this, &demo_dialog::stop);
    connect(demo_, &demo_process::line, log_, &QPlainTextEdit::appendPlainText);
    connect(demo_, &demo_process::finished, this, [this](int code) {
        log_->appendPlainText(tr("[demo exited with status %1]").arg(code));
        update_buttons();
    });
    update_buttons();
}

QString demo_dialog::channel_name(const QString& channel) {
    return QStringLiteral("monitor-%1-%2").arg(channel).arg(::getpid());
}

demo_options demo_dialog::chosen() const {
    demo_options o;
    o.channel = channel_->currentText();
    o.name = name_edit_->text().trimmed().isEmpty() ? channel_name(o.channel)
                                                    : name_edit_->text().trimmed();
    o.rate = rate_->value();
    o.size = size_->value();
    o.duration_s = duration_->value();
    o.slots = slots_->value();
    o.clients = clients_->value();
    o.restart_reader_every_s = restart_->value();
    o.wait = wait_->currentText();
    o.protocol = protocol_->currentText();
    return o;
}

bool demo_dialog::start(const demo_options& options) {
    const bool ok = demo_->start(options);
    name_ = ok ? options.name : QString();
    log_->appendPlainText(ok ? tr("[started ipc-demo %1]")
                                   .arg(demo_process::arguments(options).join(QLatin1Char(' ')))
                             : tr("[could not start %1]").arg(demo_process::program()));
    update_buttons();
    return ok;
}

void demo_dialog::stop() {
    demo_->stop();
    update_buttons();
}

QString demo_dialog::running_channel() const {
    return demo_->running() ? name_ : QString();
}

void demo_dialog::update_buttons() {
    start_->setEnabled(!demo_->running());
    stop_->setEnabled(demo_->running());
    Q_EMIT running_changed(running_channel());
}

QPoint demo_dialog::place_beside(const QRect& window, const QSize& dialog, const QRect& screen) {
    if (window.right() + dialog.width() <= screen.right()) {
        return {window.right() + 1, window.top()};
    }
    if (window.left() - dialog.width() >= screen.left()) {
        return {window.left() - dialog.width(), window.top()};
    }
    return {screen.right() - dialog.width(), screen.bottom() - dialog.height()};
}

void demo_dialog::showEvent(QShowEvent* event) {
    const QWidget* window = parentWidget();
    if (window != nullptr && window->screen() != nullptr) {
        adjustSize();
        move(place_beside(window->frameGeometry(), frameGeometry().size(),
                          window->screen()->availableGeometry()));
    }
    QDialog::showEvent(event);
}

}  // namespace monitor
