//! Intercom REST API 2.16 (+ Preview for team membership): its config section, wire types,
//! the client, its transport quirks and change source, and the mapping to the domain.

pub mod client;
pub mod config;
pub mod http;
pub mod mapping;
pub mod sync;
pub mod webhook;
pub mod wire;

pub use client::{IntercomClient, IntercomSettings};
