//! `steward`: Steward's command line. Every command is a thin call into `steward-engine`, on the
//! same data directory as the desktop app (or `--data-dir`).
//!
//! # Layout
//! - `cli`: the clap definitions (the public interface of DESIGN §7).
//! - `commands/`: one file per command group.
//! - `output`: tables, JSON lines and CSV.

mod cli;
mod commands;
mod output;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::dispatch(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
