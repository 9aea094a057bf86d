//! Intercom REST API 2.16: wire types, client and mapping to the domain.

pub mod client;
pub mod config;
pub mod mapping;
pub mod wire;

pub use client::{IntercomClient, IntercomSettings};
