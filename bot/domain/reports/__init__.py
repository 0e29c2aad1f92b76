"""Pure figures of the office's reports: periods, on-time shares, medians, rising issues."""
