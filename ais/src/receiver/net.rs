//! The receiver tasks: TCP client and server, UDP, file and stdin (tokio).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

use super::{Batch, LineDecoder, LineFramer, Mode, ReceiverConfig, ReceiverStats};

/// Receivers running: their counters, where the listening ones listen, and their tasks.
#[derive(Debug)]
pub struct Running {
    pub stats: Vec<Arc<ReceiverStats>>,
    /// The bound address of each `tcp_server` and `udp` receiver (useful with port 0).
    pub local_addrs: Vec<Option<SocketAddr>>,
    handles: Vec<JoinHandle<()>>,
}

impl Running {
    /// Waits until every receiver has stopped (after the shutdown signal, or at the end of
    /// its input), at most `deadline`; returns whether all stopped in time.
    pub async fn join(self, deadline: Duration) -> bool {
        let all = async {
            for h in self.handles {
                let _ = h.await;
            }
        };
        tokio::time::timeout(deadline, all).await.is_ok()
    }
}

/// Starts every receiver. Listening sockets are bound before this returns, so a bad
/// address is an error here, not a silent task failure. Each receiver stops when
/// `shutdown` becomes true.
pub async fn spawn(
    configs: &[ReceiverConfig],
    tx: mpsc::Sender<Batch>,
    shutdown: watch::Receiver<bool>,
) -> io::Result<Running> {
    let mut running = Running {
        stats: Vec::new(),
        local_addrs: Vec::new(),
        handles: Vec::new(),
    };
    for (idx, cfg) in configs.iter().enumerate() {
        cfg.check()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let stats = Arc::new(ReceiverStats::default());
        let ctx = Ctx {
            cfg: cfg.clone(),
            idx,
            stats: stats.clone(),
            tx: tx.clone(),
            shutdown: shutdown.clone(),
        };
        let listen = cfg.listen.clone().unwrap_or_default();
        let (addr, handle) = match cfg.mode {
            Mode::TcpServer => {
                let l = TcpListener::bind(&listen).await.map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("receiver {:?}: listen {listen}: {e}", cfg.name),
                    )
                })?;
                (l.local_addr().ok(), tokio::spawn(tcp_server(ctx, l)))
            }
            Mode::Udp => {
                let s = UdpSocket::bind(&listen).await.map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("receiver {:?}: listen {listen}: {e}", cfg.name),
                    )
                })?;
                (s.local_addr().ok(), tokio::spawn(udp(ctx, s)))
            }
            Mode::TcpClient => (None, tokio::spawn(tcp_client(ctx))),
            Mode::File => (None, tokio::spawn(file(ctx))),
            Mode::Stdin => (None, tokio::spawn(stdin(ctx))),
        };
        running.stats.push(stats);
        running.local_addrs.push(addr);
        running.handles.push(handle);
    }
    Ok(running)
}

#[derive(Clone)]
struct Ctx {
    cfg: ReceiverConfig,
    idx: usize,
    stats: Arc<ReceiverStats>,
    tx: mpsc::Sender<Batch>,
    shutdown: watch::Receiver<bool>,
}

/// Why a read loop ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    Eof,
    Shutdown,
    /// The consumer is gone.
    Closed,
}

/// Reads lines from `r` until it ends, idles too long, the shutdown signal flips or the
/// consumer goes away. Waits when the channel is full (backpressure).
async fn read_lines(
    ctx: &mut Ctx,
    r: &mut (impl AsyncRead + Unpin),
    idle: Option<Duration>,
    follow: bool,
) -> End {
    let mut framer = LineFramer::new(ctx.cfg.max_line);
    let mut decoder = LineDecoder::new(&ctx.cfg, ctx.idx);
    // 16 KiB reads: a batch of at most ~200 messages, so a full channel holds little.
    let mut buf = vec![0u8; 16 * 1024];
    let mut batch = Vec::new();
    let mut line_since: Option<Instant> = None;
    let stats = ctx.stats.clone();
    let end = loop {
        let read = async {
            match idle {
                Some(d) => tokio::time::timeout(d, r.read(&mut buf)).await.ok(),
                None => Some(r.read(&mut buf).await),
            }
        };
        let read = tokio::select! {
            r = read => r,
            _ = ctx.shutdown.changed() => break End::Shutdown,
        };
        let n = match read {
            None => {
                stats.idle_closed.fetch_add(1, Relaxed);
                break End::Eof;
            }
            Some(Ok(0)) if follow => {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(200)) => continue,
                    _ = ctx.shutdown.changed() => break End::Shutdown,
                }
            }
            Some(Ok(0)) | Some(Err(_)) => break End::Eof,
            Some(Ok(n)) => n,
        };
        let arrived = Instant::now();
        stats.bytes.fetch_add(n as u64, Relaxed);
        let before = framer.too_long;
        framer.push(&buf[..n], |l| decoder.line(l, arrived, &stats, &mut batch));
        stats.too_long.fetch_add(framer.too_long - before, Relaxed);
        // A peer that trickles bytes but never finishes a line (slow-loris) is closed
        // like an idle one.
        if framer.pending() > 0 {
            let since = *line_since.get_or_insert(arrived);
            if idle.is_some_and(|d| arrived - since > d) {
                stats.idle_closed.fetch_add(1, Relaxed);
                break End::Eof;
            }
        } else {
            line_since = None;
        }
        if !batch.is_empty() {
            let n = batch.len() as u64;
            if ctx.tx.send(std::mem::take(&mut batch)).await.is_err() {
                return End::Closed;
            }
            stats.messages.fetch_add(n, Relaxed);
        }
    };
    if end == End::Eof && !follow && framer.pending() > 0 && idle.is_none() {
        // A file or stdin ending without a final newline: its last line is whole.
        framer.push(b"\n", |l| {
            decoder.line(l, Instant::now(), &stats, &mut batch)
        });
        if !batch.is_empty() {
            let n = batch.len() as u64;
            if ctx.tx.send(std::mem::take(&mut batch)).await.is_err() {
                return End::Closed;
            }
            stats.messages.fetch_add(n, Relaxed);
        }
    } else if framer.pending() > 0 {
        stats.partial_lost.fetch_add(1, Relaxed);
    }
    end
}

fn set_peer(stats: &ReceiverStats, peer: Option<String>) {
    if let Ok(mut p) = stats.peer.lock() {
        *p = peer;
    }
}

/// Connects out; on any disconnect, reconnects after 0.25 s doubling up to
/// `backoff_max_s`, with +-25 % jitter so that many clients do not retry in step.
async fn tcp_client(mut ctx: Ctx) {
    let endpoint = ctx.cfg.endpoint.clone().unwrap_or_default();
    let idle = Duration::from_secs(ctx.cfg.idle_timeout_s.max(1));
    let cap = Duration::from_secs(ctx.cfg.backoff_max_s.max(1));
    let mut failures = 0u32;
    let mut connected_before = false;
    let mut seed = (ctx.idx as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    loop {
        if *ctx.shutdown.borrow() {
            return;
        }
        let connect = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(&endpoint));
        let conn = tokio::select! {
            c = connect => c,
            _ = ctx.shutdown.changed() => return,
        };
        match conn {
            Ok(Ok(mut stream)) => {
                let _ = stream.set_nodelay(true);
                if connected_before {
                    ctx.stats.reconnects.fetch_add(1, Relaxed);
                }
                connected_before = true;
                failures = 0;
                set_peer(&ctx.stats, stream.peer_addr().ok().map(|a| a.to_string()));
                ctx.stats.connections.store(1, Relaxed);
                let end = read_lines(&mut ctx, &mut stream, Some(idle), false).await;
                ctx.stats.connections.store(0, Relaxed);
                if end != End::Eof {
                    return;
                }
            }
            _ => failures = failures.saturating_add(1),
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let base = Duration::from_millis(250)
            .saturating_mul(1u32 << failures.min(16))
            .min(cap);
        let jitter = 0.75 + (seed % 1000) as f64 / 2000.0;
        tokio::select! {
            () = tokio::time::sleep(base.mul_f64(jitter)) => {}
            _ = ctx.shutdown.changed() => return,
        }
    }
}

/// Accepts towers; at most `max_connections` at once (the rest are closed at once and
/// counted), each closed after `idle_timeout_s` without a complete line.
async fn tcp_server(mut ctx: Ctx, listener: TcpListener) {
    let slots = Arc::new(Semaphore::new(ctx.cfg.max_connections.max(1)));
    let idle = Duration::from_secs(ctx.cfg.idle_timeout_s.max(1));
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = ctx.shutdown.changed() => break,
        };
        let (mut stream, peer) = match accepted {
            Ok(a) => a,
            Err(_) => {
                // Out of file descriptors and the like: wait rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            ctx.stats.refused.fetch_add(1, Relaxed);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        set_peer(&ctx.stats, Some(peer.to_string()));
        ctx.stats.connections.fetch_add(1, Relaxed);
        let mut c = ctx.clone();
        conns.spawn(async move {
            read_lines(&mut c, &mut stream, Some(idle), false).await;
            c.stats.connections.fetch_sub(1, Relaxed);
            drop(permit);
        });
        while conns.try_join_next().is_some() {}
    }
    conns.shutdown().await;
}

/// One datagram may carry several sentences; a full channel drops and counts.
async fn udp(mut ctx: Ctx, socket: UdpSocket) {
    let mut framer = LineFramer::new(ctx.cfg.max_line);
    let mut decoder = LineDecoder::new(&ctx.cfg, ctx.idx);
    let mut buf = vec![0u8; 65_536];
    let mut batch = Vec::new();
    let stats = ctx.stats.clone();
    loop {
        let got = tokio::select! {
            r = socket.recv_from(&mut buf) => r,
            _ = ctx.shutdown.changed() => return,
        };
        let Ok((n, peer)) = got else {
            continue;
        };
        let arrived = Instant::now();
        stats.bytes.fetch_add(n as u64, Relaxed);
        set_peer(&stats, Some(peer.to_string()));
        let before = framer.too_long;
        framer.reset();
        framer.push(&buf[..n], |l| decoder.line(l, arrived, &stats, &mut batch));
        framer.push(b"\n", |l| decoder.line(l, arrived, &stats, &mut batch));
        stats.too_long.fetch_add(framer.too_long - before, Relaxed);
        if batch.is_empty() {
            continue;
        }
        let n = batch.len() as u64;
        match ctx.tx.try_send(std::mem::take(&mut batch)) {
            Ok(()) => {
                stats.messages.fetch_add(n, Relaxed);
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                stats.dropped.fetch_add(n, Relaxed);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return,
        }
    }
}

async fn file(mut ctx: Ctx) {
    let Some(path) = ctx.cfg.path.clone() else {
        return;
    };
    match tokio::fs::File::open(&path).await {
        Ok(mut f) => {
            ctx.stats.connections.store(1, Relaxed);
            set_peer(&ctx.stats, Some(path.display().to_string()));
            let follow = ctx.cfg.follow;
            read_lines(&mut ctx, &mut f, None, follow).await;
            ctx.stats.connections.store(0, Relaxed);
        }
        Err(e) => {
            set_peer(&ctx.stats, Some(format!("{}: {e}", path.display())));
        }
    }
}

async fn stdin(mut ctx: Ctx) {
    let mut input = tokio::io::stdin();
    ctx.stats.connections.store(1, Relaxed);
    read_lines(&mut ctx, &mut input, None, false).await;
    ctx.stats.connections.store(0, Relaxed);
}
