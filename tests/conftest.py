"""Test-session ordering.

jax starts threads when it is imported, and forking a multithreaded process can deadlock; the
kernel's process executor forks once per check. The jax backend tests therefore run last, after
every test that forks.
"""


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: "test_numeric_jax" in item.nodeid)  # stable: only moves the jax module to the end
