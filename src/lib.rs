//! 校地通 (xiaodi): the school–locality pairing programme platform.
//! `main.rs` only parses the command line; everything lives here so tests and the CLI share it.

pub mod api;
pub mod app;
pub mod assets;
pub mod backup;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod exports;
pub mod http;
pub mod imports;
pub mod services;
pub mod startup;
pub mod state;
pub mod store;
pub mod throttle;
pub mod web;

pub use startup::Application;
pub use state::AppState;
