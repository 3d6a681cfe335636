"""The demo: `manage.py demo` and the wiring that points the portal at the stand-ins
(`mocks/`). A Django app installed only with PORTAL_DEMO=true from a source checkout;
neither it nor the stand-ins ship in the wheel or the image."""
