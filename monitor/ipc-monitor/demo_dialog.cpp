#include "demo_dialog.hpp"

#include <unistd.h>

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>

#include "demo_process.hpp"

namespace monitor {

demo_dialog::demo_dialog(QWidget* parent) : QDialog(parent), demo_(new demo_process(this)) {
    setWindowTitle(tr("Launch demo"));
    auto* form = new QFormLayout(this);
    channel_ = new QComboBox(this);
    channel_->addItems({QStringLiteral("ring"), QStringLiteral("slots")});
    rate_ = new QSpinBox(this);
    rate_->setRange(0, 10'000'000);
    rate_->setValue(20'000);
    rate_->setSuffix(tr(" msgs/s (0: flat out)"));
    size_ = new QSpinBox(this);
    size_->setRange(0, 1 << 20);
    size_->setValue(256);
    size_->setSuffix(tr(" B"));
    form->addRow(tr("Channel"), channel_);
    form->addRow(tr("Rate"), rate_);
    form->addRow(tr("Size"), size_);
    auto* buttons = new QHBoxLayout;
    start_ = new QPushButton(tr("Start"), this);
    stop_ = new QPushButton(tr("Stop"), this);
    buttons->addWidget(start_);
    buttons->addWidget(stop_);
    form->addRow(buttons);
    log_ = new QPlainTextEdit(this);
    log_->setReadOnly(true);
    log_->setMinimumSize(480, 160);
    form->addRow(log_);
    connect(start_, &QPushButton::clicked, this,
            [this] { start(channel_->currentText(), rate_->value(), size_->value()); });
    connect(stop_, &QPushButton::clicked, this, &demo_dialog::stop);
    connect(demo_, &demo_process::output, this, [this](const QString& text) {
        log_->moveCursor(QTextCursor::End);
        log_->insertPlainText(text);
    });
    connect(demo_, &demo_process::finished, this, [this](int code) {
        log_->appendPlainText(tr("[demo exited with status %1]").arg(code));
        update_buttons();
    });
    update_buttons();
}

QString demo_dialog::channel_name(const QString& channel) {
    return QStringLiteral("monitor-%1-%2").arg(channel).arg(::getpid());
}

bool demo_dialog::start(const QString& channel, int rate, int size) {
    const QString name = channel_name(channel);
    const bool ok = demo_->start(channel, rate, size, name);
    name_ = ok ? name : QString();
    log_->appendPlainText(ok ? tr("[started ipc-demo %1 as '%2']").arg(channel, name)
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

}  // namespace monitor
