#!/usr/bin/env python3
"""Writes wsc's man pages: wscctl(1), wscd(8), wscd.toml(5).

    python3 scripts/manpages.py WSCCTL_BINARY OUTPUT_DIRECTORY

wscctl.1's COMMANDS section comes from the built wscctl itself (`--experimental-dump-help`, ArgumentParser's
description of every command and option), and wscd.toml.5's keys from config/wscd.toml (the example
configuration, which is the reference), so neither can fall behind the code. The rest is man/*.in.
Exits 2 with a message when an input is missing or unreadable.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    sys.stderr.write("manpages: %s\n" % message)
    sys.exit(2)


def roff(text):
    """Escapes text for a roff line: backslashes, hyphens (so they stay ASCII minus signs), leading dots."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    # Non-ASCII as groff's named Unicode escapes: the page reads the same whatever the reader's locale.
    text = "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)
    return "\\&" + text if text.startswith((".", "'")) else text


def paragraphs(text):
    """Splits ArgumentParser's discussion into paragraphs (blank lines), each a roff line."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [l.strip() for l in block.splitlines() if l.strip()]
        if lines:
            out.append(roff(" ".join(lines)))
    return out


def option_synopsis(arg):
    names = sorted(arg.get("names", []), key=lambda n: n["kind"] != "short")
    spelled = ", ".join(("-" if n["kind"] in ("short", "longWithSingleDash") else "--") + n["name"] for n in names)
    if arg["kind"] == "positional":
        return "\\fI%s\\fR" % roff(arg.get("valueName", "value"))
    text = "\\fB%s\\fR" % roff(spelled)
    if arg["kind"] == "option":
        text += " \\fI%s\\fR" % roff(arg.get("valueName", "value"))
    return text


def command_section(command, path):
    lines = []
    full = " ".join(path)
    lines.append(".SS %s" % roff(full))
    if command.get("abstract"):
        lines.append(roff(command["abstract"]))
    for paragraph in paragraphs(command.get("discussion", "")):
        lines += [".PP", paragraph]
    args = [a for a in command.get("arguments", []) if a.get("shouldDisplay", True)
            and not any(n["name"] in ("help", "version") for n in a.get("names", []) if n["kind"] == "long")]
    for arg in args:
        lines.append(".TP")
        synopsis = option_synopsis(arg)
        if arg.get("isRepeating"):
            synopsis += " ..."
        lines.append(synopsis)
        text = arg.get("abstract", "") or ""
        if arg.get("discussion"):
            text += " " + " ".join(arg["discussion"].split())
        if arg.get("defaultValue"):
            text += " (default: %s)" % arg["defaultValue"]
        lines.append(roff(text.strip()) if text.strip() else "\\&")
    for sub in command.get("subcommands", []):
        if sub["commandName"] == "help" or not sub.get("shouldDisplay", True):
            continue
        lines += command_section(sub, path + [sub["commandName"]])
    return lines


def toml_keys(path):
    """config/wscd.toml as man sections: each [table] a .SS, each key (set or commented out) a .TP with the
    comment lines above it as its description."""
    lines = []
    comment = []
    seen = set()
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        table = re.match(r"^\[([a-z_]+)\]\s*$", line)
        key = re.match(r"^#?\s?([a-z0-9_]+) = (.*)$", line)
        if table:
            lines.append(".SS [%s]" % table.group(1))
            comment = []
            seen = set()  # keys are per table: [state] and [signing] both have tpm2_tcti
        elif key and lines:
            name, value = key.group(1), key.group(2)
            if name in seen and not comment:
                continue  # a second example value of the same key
            seen.add(name)
            lines.append(".TP")
            lines.append("\\fB%s\\fR = %s" % (roff(name), roff(value)))
            lines.append(roff(" ".join(comment)) if comment else "\\&")
            comment = []
        elif line.startswith("#") and lines:
            text = line.lstrip("#").strip()
            if text:
                comment.append(text)
            elif comment:
                comment.append("")
        elif not line.strip():
            pass
    if not lines:
        fail("%s has no [table]" % path)
    return lines


def main():
    if len(sys.argv) != 3:
        fail("usage: manpages.py WSCCTL_BINARY OUTPUT_DIRECTORY")
    wscctl, out = sys.argv[1], sys.argv[2]
    if not os.access(wscctl, os.X_OK):
        fail("%s is not an executable wscctl (run make build first)" % wscctl)
    try:
        dump = json.loads(subprocess.run([wscctl, "--experimental-dump-help"], check=True,
                                         capture_output=True).stdout)
        version = subprocess.run([wscctl, "--version"], check=True, capture_output=True,
                                 text=True).stdout.strip().split()[-1]
    except (subprocess.CalledProcessError, ValueError) as error:
        fail("cannot read wscctl's command descriptions: %s" % error)
    # The date of the last commit (reproducible: the same sources make the same pages), else SOURCE_DATE_EPOCH.
    # safe.directory: `sudo make install` runs git as root in a checkout owned by someone else.
    date = subprocess.run(["git", "-c", "safe.directory=" + ROOT, "-C", ROOT, "log", "-1", "--format=%cs"],
                          capture_output=True, text=True).stdout.strip()
    if not date:
        import time
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        date = time.strftime("%Y-%m-%d", time.gmtime(int(epoch) if epoch else None))
    root = dump["command"]
    commands = []
    for sub in root.get("subcommands", []):
        if sub["commandName"] != "help" and sub.get("shouldDisplay", True):
            commands += command_section(sub, ["wscctl", sub["commandName"]])
    generated = {
        "wscctl.1": ("wscctl.1.in", {"@COMMANDS@": "\n".join(commands)}),
        "wscd.8": ("wscd.8.in", {}),
        "wscd.toml.5": ("wscd.toml.5.in", {"@KEYS@": "\n".join(toml_keys(os.path.join(ROOT, "config/wscd.toml")))}),
    }
    os.makedirs(out, exist_ok=True)
    for name, (template, fills) in generated.items():
        text = open(os.path.join(ROOT, "man", template), encoding="utf-8").read()
        fills = dict(fills, **{"@DATE@": date, "@VERSION@": version})
        for marker, value in fills.items():
            text = text.replace(marker, value)
        if "@" in "".join(re.findall(r"@[A-Z]+@", text)):
            fail("%s: a marker was left unfilled" % template)
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(text)
    print("manpages: wrote %s" % ", ".join(os.path.join(out, n) for n in generated))


main()
