//! The `riverwatch` binary: command-line parsing and wiring only.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cluster;
mod datadir;
mod decode;
mod listen;
mod node;
mod replay;
mod serve;
mod simulate;
mod snapshots;

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
    /// Run the configured receivers live through the detectors: alerts on stdout, receiver
    /// health on stderr. Ctrl-C stops.
    Listen {
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        /// Settings file with [[receivers]] (default: DIR/riverwatch.toml when it exists).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Also accept towers pushing to this address (a tcp_server receiver).
        #[arg(long, value_name = "ADDR")]
        tcp_listen: Vec<String>,
        /// Also connect to a tower serving NMEA here (a tcp_client receiver).
        #[arg(long, value_name = "HOST:PORT")]
        connect: Vec<String>,
        /// Also take UDP datagrams on this address.
        #[arg(long, value_name = "ADDR")]
        udp: Vec<String>,
        /// Seconds between health lines on stderr.
        #[arg(long, default_value_t = 10)]
        status_every: u64,
    },
    /// Receivers, detectors, the store and the officers' API in one process.
    Serve {
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        /// The API's address.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// The database and other state.
        #[arg(long, default_value = "riverwatch-state")]
        state_dir: PathBuf,
        /// A PostgreSQL database (`postgres://user:password@host/db`) instead of the SQLite
        /// file in the state directory.
        #[arg(long, env = "RIVERWATCH_DATABASE_URL", hide_env_values = true)]
        database: Option<String>,
        /// Also accept towers pushing to this address (a tcp_server receiver).
        #[arg(long, value_name = "ADDR")]
        tcp_listen: Vec<String>,
        /// Also connect to a tower serving NMEA here (a tcp_client receiver).
        #[arg(long, value_name = "HOST:PORT")]
        connect: Vec<String>,
        /// Also take UDP datagrams on this address.
        #[arg(long, value_name = "ADDR")]
        udp: Vec<String>,
    },
    /// Cluster role: receivers -> the observation stream on NATS JetStream.
    Ingest {
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Also accept towers pushing to this address (a tcp_server receiver).
        #[arg(long, value_name = "ADDR")]
        tcp_listen: Vec<String>,
        /// Also connect to a tower serving NMEA here (a tcp_client receiver).
        #[arg(long, value_name = "HOST:PORT")]
        connect: Vec<String>,
        /// Also take UDP datagrams on this address.
        #[arg(long, value_name = "ADDR")]
        udp: Vec<String>,
    },
    /// Cluster role: owns a share of the partitions, runs the detectors, writes alerts to
    /// PostgreSQL.
    Engine {
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(flatten)]
        cluster: ClusterArgs,
        /// The cluster's PostgreSQL database.
        #[arg(long, env = "RIVERWATCH_DATABASE_URL", hide_env_values = true)]
        database: String,
        /// Take no partition before this many engines have joined.
        #[arg(long, default_value_t = 1)]
        members: u32,
        /// Leave once every partition held has taken all the stream holds (a catch-up run).
        #[arg(long)]
        drain: bool,
    },
    /// Cluster role: the officers' API on the cluster's PostgreSQL store.
    Api {
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(flatten)]
        cluster: ClusterArgs,
        #[arg(long, env = "RIVERWATCH_DATABASE_URL", hide_env_values = true)]
        database: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Images and the referral signing key (share it between API nodes).
        #[arg(long, default_value = "riverwatch-state")]
        state_dir: PathBuf,
    },
    /// `serve` on the demo river with simulated towers feeding it, and a demo login.
    Demo {
        /// The demo river: zones, registry, watchlist, cameras.
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Default: a fresh directory under the system's temporary directory.
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Times real time (300: the first violations arrive within a minute, the
        /// three simulated days run for a quarter of an hour).
        #[arg(long, default_value_t = 300.0)]
        speed: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Evidence images.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Referral packages.
    Referral {
        #[command(subcommand)]
        command: ReferralCommand,
    },
    /// Simulate tower traffic with injected violations, and write what was injected.
    Simulate {
        /// The data directory whose zones, registry and watchlist the traffic uses.
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        /// Send to a TCP listener (a receiver), paced on event time.
        #[arg(
            long,
            value_name = "HOST:PORT",
            conflicts_with = "out",
            required_unless_present = "out"
        )]
        to: Option<String>,
        /// Write the sentences to a file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Where to write the ground truth (default: FILE.truth.jsonl beside --out).
        #[arg(long, value_name = "FILE")]
        truth: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 3)]
        days: u32,
        /// With --to: times real time (0 = as fast as the receiver takes it).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// With --to: send the first this many minutes of event time unpaced, then pace.
        #[arg(long, default_value_t = 0, value_name = "MINUTES")]
        fast_forward_min: u32,
        /// With --to: also serve every camera in cameras.json here, at
        /// /cam/{id}/snapshot.jpg, as a view of the simulated river at the feed's time.
        #[arg(long, value_name = "HOST:PORT", requires = "to")]
        cameras: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account (the first admin, officers, supervisors, agencies).
    Add {
        name: String,
        /// officer, supervisor, admin or agency.
        #[arg(long)]
        role: String,
        /// With --role agency: the agency (its id) the account belongs to; it sees only
        /// what was referred to that agency.
        #[arg(long, required_if_eq("role", "agency"))]
        agency: Option<String>,
        /// Read the password from stdin.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, default_value = "riverwatch-state")]
        state_dir: PathBuf,
        /// The PostgreSQL database `serve --database` uses, if it does.
        #[arg(long, env = "RIVERWATCH_DATABASE_URL", hide_env_values = true)]
        database: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ReferralCommand {
    /// Check a referral package offline: every file against the signed manifest, and the
    /// signature (exit 1 and the reason when anything is off).
    Verify {
        package: PathBuf,
        /// The deployment's Ed25519 public key (hex, `GET /api/v1/referrals/signing-key`);
        /// without it only the key the package names is tried, which proves integrity, not
        /// origin.
        #[arg(long)]
        public_key: Option<String>,
    },
}

/// Where a cluster's streams are.
#[derive(Debug, clap::Args)]
struct ClusterArgs {
    /// NATS servers, comma-separated (any of the cluster's).
    #[arg(
        long,
        env = "RIVERWATCH_NATS",
        value_delimiter = ',',
        default_value = "nats://127.0.0.1:4222"
    )]
    nats: Vec<String>,
    /// Partitions of the observation stream (by MMSI hash); every node must agree.
    #[arg(long, env = "RIVERWATCH_PARTITIONS", default_value_t = 8)]
    partitions: u32,
    /// Copies of each stream, when a node creates them (3 on a 3-server NATS cluster).
    #[arg(long, env = "RIVERWATCH_REPLICAS", default_value_t = 3)]
    replicas: usize,
}

impl ClusterArgs {
    fn cluster(self) -> cluster::Cluster {
        cluster::Cluster {
            nats: self.nats,
            partitions: self.partitions.max(1),
            replicas: self.replicas.max(1),
        }
    }
}

#[derive(Debug, Subcommand)]
enum EvidenceCommand {
    /// Rehash every stored evidence image and recompute the chain; name the first item
    /// altered or missing (exit 1 then).
    Verify {
        #[arg(long, default_value = "riverwatch-state")]
        state_dir: PathBuf,
        #[arg(long, env = "RIVERWATCH_DATABASE_URL", hide_env_values = true)]
        database: Option<String>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
        Command::Listen {
            data,
            config,
            tcp_listen,
            connect,
            udp,
            status_every,
        } => listen::run(listen::Options {
            data,
            config,
            tcp_listen,
            connect,
            udp,
            status_every_s: status_every,
        }),
        Command::Serve {
            data,
            config,
            listen,
            state_dir,
            database,
            tcp_listen,
            connect,
            udp,
        } => serve::run(serve::Options {
            data,
            config,
            listen,
            state_dir,
            database,
            tcp_listen,
            connect,
            udp,
            evidence_window_s: None,
        }),
        Command::Ingest {
            data,
            config,
            cluster,
            tcp_listen,
            connect,
            udp,
        } => cluster::ingest::run(cluster::ingest::Options {
            data,
            config,
            cluster: cluster.cluster(),
            tcp_listen,
            connect,
            udp,
        }),
        Command::Engine {
            data,
            config,
            cluster,
            database,
            members,
            drain,
        } => cluster::engine::run(cluster::engine::Options {
            data,
            config,
            cluster: cluster.cluster(),
            database,
            members,
            drain,
        }),
        Command::Api {
            data,
            config,
            cluster,
            database,
            listen,
            state_dir,
        } => cluster::api::run(cluster::api::Options {
            data,
            config,
            cluster: cluster.cluster(),
            database,
            listen,
            state_dir,
        }),
        Command::Demo {
            data,
            listen,
            state_dir,
            speed,
            seed,
        } => serve::demo(data, listen, state_dir, speed, seed),
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    agency,
                    password_stdin,
                    state_dir,
                    database,
                },
        } => serve::add_user(
            &serve::store_location(&state_dir, database.as_deref()),
            &name,
            &role,
            agency.as_deref(),
            password_stdin,
        ),
        Command::Referral {
            command:
                ReferralCommand::Verify {
                    package,
                    public_key,
                },
        } => serve::verify_referral(&package, public_key.as_deref()),
        Command::Evidence {
            command:
                EvidenceCommand::Verify {
                    state_dir,
                    database,
                },
        } => serve::verify_evidence(&state_dir, database.as_deref()),
        Command::Simulate {
            data,
            to,
            out,
            truth,
            seed,
            days,
            speed,
            fast_forward_min,
            cameras,
        } => simulate::run(simulate::Options {
            data,
            to,
            out,
            truth,
            seed,
            days,
            speed,
            fast_forward_min,
            cameras,
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
