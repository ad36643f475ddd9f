"""Root conftest: makes pytest's own `pytester` fixture available to the plugin tests."""

pytest_plugins = ["pytester"]
