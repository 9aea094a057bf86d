//! Command-line interface. (Interface stub.)
