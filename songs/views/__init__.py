"""Function views by area. Each validates a form, calls one service or selector, and renders."""
