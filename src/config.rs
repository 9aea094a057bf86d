//! Configuration: file discovery, parsing with precise errors, and the token. (Interface stub.)
