//! shiftlead: a terminal dashboard for customer-support shift leads.
//!
//! Layers: [`domain`] (pure types and metrics), [`backend`] (helpdesk clients and the vendor
//! registry), [`sim`] (the embedded helpdesk simulator), [`config`] (plain data), [`cli`].

/// `eprintln!` that never panics: a closed terminal (SSH dropped, the pane killed) or a
/// closed pipe on stderr is not a crash.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr(), $($arg)*);
    }};
}

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
pub mod duration;
pub mod history;
pub mod init;
pub mod logging;
pub mod sim;
pub mod state;
pub mod sync;
pub mod team;
pub mod term;
pub mod ui;
pub mod writes;
