#!/usr/bin/python3
"""Print what a Linux screen reader reads of Waybill's window: the AT-SPI tree of the
application named on the command line (e.g. waybill-window), as a JSON list of
{role, name} for every control (buttons, fields, tabs, lists, check boxes, ...).

Run with Debian's python3 and python3-pyatspi, on the session bus the window uses
(tests/tests/app.rs runs it under the same dbus-run-session and Xvfb as the window).
Exit 2 when the application is not on the accessibility bus.
"""
import json
import sys
import time

import pyatspi

CONTROLS = {
    "push button", "toggle button", "entry", "password text", "text", "page tab",
    "combo box", "check box", "radio button", "list", "list item", "spin button",
    "menu item", "link", "dialog", "heading", "table", "page tab list",
}
MAX_NODES = 20000


def app_named(name):
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and name in (app.name or ""):
            return app
    return None


def walk(node, found, seen):
    if node is None or len(seen) > MAX_NODES:
        return
    seen.add(id(node))
    try:
        role = node.getRoleName()
        states = node.getState()
        showing = states.contains(pyatspi.STATE_SHOWING)
    except Exception:
        return
    if role in CONTROLS and showing:
        found.append({"role": role, "name": (node.name or "").strip()})
    for i in range(node.childCount):
        try:
            walk(node.getChildAtIndex(i), found, seen)
        except Exception:
            continue


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "waybill"
    deadline = time.time() + 10
    app = app_named(name)
    while app is None and time.time() < deadline:
        time.sleep(0.3)
        app = app_named(name)
    if app is None:
        apps = [a.name for a in pyatspi.Registry.getDesktop(0) if a is not None]
        print(f"{name} is not on the accessibility bus (there: {apps})", file=sys.stderr)
        return 2
    found = []
    walk(app, found, set())
    print(json.dumps(found, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
