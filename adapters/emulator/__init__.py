"""A strict Box auth emulator on loopback."""
