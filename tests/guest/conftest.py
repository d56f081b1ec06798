# SPDX-License-Identifier: MIT
"""pytest options for the differential guest tests (see guestlib.py)."""


def pytest_addoption(parser):
    parser.addoption("--host-only", action="store_true",
                     help="run the guest programs on the host only "
                          "(also GUEST_HOST_ONLY=1)")
