#include "status_strip.hpp"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace monitor {

status_strip::status_strip(QWidget* parent) : QWidget(parent) {
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    demo_ = new QLabel(this);
    stop_demo_ = new QPushButton(tr("Stop demo"), this);
    paused_ = new QLabel(tr("  PAUSED: the figures are frozen (Space resumes)  "), this);
    paused_->setStyleSheet(QStringLiteral("background: #c0392b; color: white; font-weight: bold"));
    counts_ = new QLabel(this);
    remote_ = new QLabel(this);
    row->addWidget(demo_);
    row->addWidget(stop_demo_);
    row->addWidget(paused_);
    row->addWidget(counts_);
    row->addWidget(remote_);
    connect(stop_demo_, &QPushButton::clicked, this, &status_strip::stop_demo_clicked);
    show_paused(false);
    show_demo({});
    show_remote_hosts(0, 0);
}

void status_strip::show_counts(std::size_t processes, std::size_t endpoints, std::size_t segments) {
    counts_->setText(
        tr("%1 processes, %2 endpoints, %3 segments").arg(processes).arg(endpoints).arg(segments));
}

void status_strip::show_remote_hosts(std::size_t reachable, std::size_t watched) {
    remote_->setText(tr("· remote hosts: %1 of %2 answering").arg(reachable).arg(watched));
    remote_->setStyleSheet(reachable < watched ? QStringLiteral("color: #c0392b") : QString());
    remote_->setVisible(watched != 0);
}

void status_strip::show_paused(bool paused) {
    paused_->setVisible(paused);
}

void status_strip::show_demo(const QString& channel) {
    demo_->setText(tr("Demo running: %1").arg(channel));
    demo_->setVisible(!channel.isEmpty());
    stop_demo_->setVisible(!channel.isEmpty());
}

bool status_strip::paused_shown() const {
    return !paused_->isHidden();
}

bool status_strip::demo_shown() const {
    return !demo_->isHidden();
}

}  // namespace monitor
