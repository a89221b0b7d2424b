"""boxauth: Box API authentication with a pure core."""
