//! The `riverwatch` binary: command-line parsing and wiring only.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod datadir;
mod decode;
mod replay;

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
    /// Run the detectors over recorded logs, offline: alerts as JSON lines.
    Replay {
        /// The data directory: zones.geojson, registry.csv, watchlist.csv, riverwatch.toml.
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        /// Settings file (default: DIR/riverwatch.toml when it exists).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where to write the alerts, one JSON object per line.
        #[arg(long, value_name = "FILE")]
        alerts_out: Option<PathBuf>,
        /// Print the effective rule settings as TOML and exit.
        #[arg(long)]
        print_config: bool,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
        /// Recorded logs in any format `decode` reads; `-` is stdin.
        logs: Vec<PathBuf>,
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
        Command::Replay {
            data,
            config,
            alerts_out,
            print_config,
            quiet,
            logs,
        } => replay::run(replay::Options {
            data,
            config,
            alerts_out,
            print_config,
            quiet,
            logs,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("riverwatch: {e:#}");
            ExitCode::FAILURE
        }
    }
}
