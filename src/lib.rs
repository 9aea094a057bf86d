//! shiftlead: a terminal dashboard for customer-support shift leads.
//!
//! Layers: [`domain`] (pure types and metrics), [`backend`] (helpdesk clients), [`sim`] (the
//! embedded Intercom-compatible simulator), [`config`], [`cli`].

pub mod app;
pub mod audit;
pub mod backend;
pub mod check;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod connect;
pub mod crash;
pub mod dashboard;
pub mod domain;
pub mod init;
pub mod logging;
pub mod sim;
pub mod state;
pub mod sync;
pub mod term;
pub mod ui;
pub mod writes;
