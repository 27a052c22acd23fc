// libsystemd: the sd_notify protocol and socket activation. sd_notifyf is variadic, so Swift
// formats the text and calls sd_notify.
#pragma once
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
