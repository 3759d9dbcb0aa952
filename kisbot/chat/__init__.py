"""The local Bot API stub and the terminal chat behind `kisbot demo`."""
