"""A helper module without the magic words, so safe mode skips it."""
VALUE = 1
