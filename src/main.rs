//! The `riverwatch` binary: command-line parsing and wiring only.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod decode;

/// riverwatch watches inland waterways for enforcement officers.
#[derive(Debug, Parser)]
#[command(name = "riverwatch", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode NMEA/AIS logs to gpsd-style JSON lines (stdin when no FILE is given).
    Decode {
        /// Log files; `-` is stdin.
        files: Vec<PathBuf>,
        /// Print raw field values, as `gpsdecode -u` does.
        #[arg(short = 'u', long)]
        unscaled: bool,
        /// Print every rejected line on stderr with its file and line number.
        #[arg(long)]
        rejects: bool,
        /// Do not print the summary on stderr.
        #[arg(short, long)]
        quiet: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode {
            files,
            unscaled,
            rejects,
            quiet,
        } => decode::run(
            &files,
            decode::Options {
                unscaled,
                rejects,
                quiet,
            },
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("riverwatch: {e:#}");
            ExitCode::FAILURE
        }
    }
}
