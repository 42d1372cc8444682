//! Receivers on loopback, port 0: split writes, overlong lines, garbage, slow-loris, a
//! tower that drops mid-sentence and comes back, UDP bursts, connection floods, and TCP
//! backpressure that loses nothing.

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use ais::feed::{Feed, Position};
use ais::receiver::{Batch, Ingested, Mode, ReceiverConfig, spawn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch};

/// `n` tagged class A reports from one tower, a line each.
fn sentences(n: usize, station: &str) -> Vec<String> {
    let mut f = Feed::new(station);
    for k in 0..n {
        let t = 1_795_132_800_000 + k as i64 * 1000;
        f.class_a(
            t,
            413_000_000 + (k % 1000) as u32,
            Position::new(120.3, 30.5, 5.0, 90.0),
        );
    }
    f.lines().to_vec()
}

fn server(name: &str) -> ReceiverConfig {
    let mut c = ReceiverConfig::new(name, Mode::TcpServer);
    c.listen = Some("127.0.0.1:0".into());
    c
}

async fn recv_n(rx: &mut mpsc::Receiver<Batch>, n: usize) -> Vec<Ingested> {
    let mut out = Vec::new();
    while out.len() < n {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(b)) => out.extend(b),
            _ => break,
        }
    }
    out
}

#[tokio::test]
async fn split_writes_overlong_lines_and_garbage_cost_only_themselves() {
    let (tx, mut rx) = mpsc::channel(1024);
    let (_stop, shutdown) = watch::channel(false);
    let r = spawn(&[server("towers")], tx, shutdown)
        .await
        .expect("spawn");
    let addr = r.local_addrs[0].expect("bound");
    let lines = sentences(3, "tower-1");
    let mut s = TcpStream::connect(addr).await.expect("connect");
    // One sentence in three writes.
    let first = lines[0].as_bytes();
    for part in [&first[..10], &first[10..40], &first[40..]] {
        s.write_all(part).await.expect("write");
        s.flush().await.expect("flush");
        tokio::task::yield_now().await;
    }
    s.write_all(b"\r\n").await.expect("write");
    // A megabyte without a newline, then binary garbage, then good sentences.
    s.write_all(&vec![b'A'; 1 << 20]).await.expect("write");
    s.write_all(b"\n\x00\xff\xfe garbage \x01\x02!AIVDM,1,1,,A,zzz*00\n")
        .await
        .expect("write");
    for l in &lines[1..] {
        s.write_all(format!("{l}\n").as_bytes())
            .await
            .expect("write");
    }
    let got = recv_n(&mut rx, 3).await;
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|i| i.observation.station.as_deref() == Some("tower-1"))
    );
    let st = r.stats[0].status(&server("towers"));
    assert_eq!(st.too_long, 1);
    assert!(st.rejects.values().sum::<u64>() >= 1, "{:?}", st.rejects);
    assert_eq!((st.connections, st.messages), (1, 3));
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_never_finishes_a_line_is_closed() {
    let (tx, _rx) = mpsc::channel(16);
    let (_stop, shutdown) = watch::channel(false);
    let mut cfg = server("towers");
    cfg.idle_timeout_s = 5;
    let r = spawn(&[cfg], tx, shutdown).await.expect("spawn");
    let addr = r.local_addrs[0].expect("bound");
    // Silent: closed after the idle timeout.
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(30), silent.read(&mut buf)).await;
    assert!(matches!(n, Ok(Ok(0))), "{n:?}");
    // Slow-loris: a byte every 2 s, never a newline.
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    let mut closed = false;
    for _ in 0..20 {
        if slow.write_all(b"!").await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let n = tokio::time::timeout(Duration::from_secs(30), slow.read(&mut buf)).await;
    assert!(closed || matches!(n, Ok(Ok(0)) | Ok(Err(_))), "{n:?}");
    assert_eq!(r.stats[0].idle_closed.load(Relaxed), 2);
    assert_eq!(r.stats[0].connections.load(Relaxed), 0);
}

#[tokio::test(start_paused = true)]
async fn a_client_reconnects_after_the_tower_drops_mid_sentence() {
    let tower = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = tower.local_addr().expect("addr");
    let (tx, mut rx) = mpsc::channel(1024);
    let (_stop, shutdown) = watch::channel(false);
    let mut cfg = ReceiverConfig::new("ais-catcher", Mode::TcpClient);
    cfg.endpoint = Some(addr.to_string());
    cfg.station = Some("tower-9".into());
    let r = spawn(&[cfg.clone()], tx, shutdown).await.expect("spawn");
    let lines: Vec<String> = sentences(4, "x")
        .iter()
        .map(|l| {
            l.split_once('\\').map_or(l.clone(), |(_, rest)| {
                rest.split_once('\\')
                    .map_or(rest.to_string(), |(_, s)| s.to_string())
            })
        })
        .collect();
    let (mut s, _) = tower.accept().await.expect("client connects");
    s.write_all(format!("{}\r\n", lines[0]).as_bytes())
        .await
        .expect("write");
    s.write_all(&lines[1].as_bytes()[..20])
        .await
        .expect("write");
    s.flush().await.expect("flush");
    let first = recv_n(&mut rx, 1).await;
    drop(s);
    drop(tower);
    // The tower comes back on the same port.
    let tower = TcpListener::bind(addr).await.expect("rebind");
    let (mut s, _) = tower.accept().await.expect("client reconnects");
    for l in &lines[2..] {
        s.write_all(format!("{l}\r\n").as_bytes())
            .await
            .expect("write");
    }
    let rest = recv_n(&mut rx, 2).await;
    assert_eq!((first.len(), rest.len()), (1, 2));
    assert!(
        rest.iter()
            .all(|i| i.observation.station.as_deref() == Some("tower-9"))
    );
    let st = r.stats[0].status(&cfg);
    assert_eq!((st.reconnects, st.partial_lost, st.messages), (1, 1, 3));
    assert!(st.connected);
}

#[tokio::test]
async fn udp_bursts_beyond_a_full_queue_are_dropped_and_counted() {
    let (tx, _rx) = mpsc::channel(100);
    let (_stop, shutdown) = watch::channel(false);
    let mut cfg = ReceiverConfig::new("udp", Mode::Udp);
    cfg.listen = Some("127.0.0.1:0".into());
    let r = spawn(&[cfg], tx, shutdown).await.expect("spawn");
    let addr = r.local_addrs[0].expect("bound");
    let sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let lines = sentences(2_000, "tower-3");
    for pair in lines.chunks(2) {
        // Two sentences per datagram, as AIS-catcher sends them.
        sock.send_to(pair.join("\r\n").as_bytes(), addr)
            .await
            .expect("send");
        tokio::task::yield_now().await;
    }
    let stats = &r.stats[0];
    for _ in 0..1000 {
        if stats.messages.load(Relaxed) + stats.dropped.load(Relaxed) >= 2_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        stats.messages.load(Relaxed),
        200,
        "the queue holds 100 datagrams of two"
    );
    let dropped = stats.dropped.load(Relaxed);
    assert!(dropped > 1_000 && dropped <= 1_800, "{dropped}");
}

#[tokio::test]
async fn a_thousand_connection_attempts_against_a_limit_of_256() {
    let (tx, _rx) = mpsc::channel(16);
    let (_stop, shutdown) = watch::channel(false);
    let r = spawn(&[server("towers")], tx, shutdown)
        .await
        .expect("spawn");
    let addr = r.local_addrs[0].expect("bound");
    let mut held = Vec::new();
    for _ in 0..256 {
        held.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let stats = &r.stats[0];
    while stats.connections.load(Relaxed) < 256 {
        tokio::task::yield_now().await;
    }
    // The other 744 are accepted and closed at once.
    for _ in 0..744 {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        let mut b = [0u8; 1];
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut b)).await;
        assert!(matches!(n, Ok(Ok(0)) | Ok(Err(_))), "{n:?}");
    }
    assert_eq!(stats.refused.load(Relaxed), 744);
    assert_eq!(stats.connections.load(Relaxed), 256);
    // A slot frees when a tower leaves.
    drop(held.pop());
    while stats.connections.load(Relaxed) > 255 {
        tokio::task::yield_now().await;
    }
    let _again = TcpStream::connect(addr).await.expect("connect");
    while stats.connections.load(Relaxed) < 256 {
        tokio::task::yield_now().await;
    }
    assert_eq!(stats.refused.load(Relaxed), 744);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_slows_tcp_towers_down_and_loses_nothing() {
    let (tx, mut rx) = mpsc::channel(16);
    let (stop, shutdown) = watch::channel(false);
    let r = spawn(&[server("towers")], tx, shutdown)
        .await
        .expect("spawn");
    let addr = r.local_addrs[0].expect("bound");
    let lines = sentences(20_000, "tower-2");
    let text: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
    let writer = tokio::spawn(async move {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(text.as_bytes()).await.expect("write");
        s.shutdown().await.expect("close");
    });
    let mut n = 0;
    while n < 20_000 {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(b)) => n += b.len(),
            _ => break,
        }
        if n % 10 == 0 {
            // A slow engine.
            tokio::task::yield_now().await;
        }
    }
    writer.await.expect("writer");
    assert_eq!(n, 20_000);
    assert_eq!(r.stats[0].dropped.load(Relaxed), 0);
    let _ = stop.send(true);
    assert!(
        r.join(Duration::from_secs(5)).await,
        "receivers stop on shutdown"
    );
}

#[tokio::test(start_paused = true)]
async fn a_followed_file_yields_lines_as_it_grows() {
    let dir = std::env::temp_dir().join(format!("riverwatch-follow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("tower.nmea");
    let lines = sentences(3, "tower-5");
    std::fs::write(&path, format!("{}\n", lines[0])).expect("write");
    let (tx, mut rx) = mpsc::channel(16);
    let (stop, shutdown) = watch::channel(false);
    let mut cfg = ReceiverConfig::new("log", Mode::File);
    cfg.path = Some(path.clone());
    cfg.follow = true;
    let r = spawn(&[cfg], tx, shutdown).await.expect("spawn");
    assert_eq!(recv_n(&mut rx, 1).await.len(), 1);
    // The log grows, the second line in two appends.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open");
    use std::io::Write as _;
    f.write_all(&lines[1].as_bytes()[..30]).expect("append");
    f.flush().expect("flush");
    tokio::time::sleep(Duration::from_secs(1)).await;
    f.write_all(format!("{}\n{}\n", &lines[1][30..], lines[2]).as_bytes())
        .expect("append");
    f.flush().expect("flush");
    let more = recv_n(&mut rx, 2).await;
    assert_eq!(more.len(), 2);
    let _ = stop.send(true);
    assert!(r.join(Duration::from_secs(5)).await);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_patrol_boats_gnss_fixes_become_its_reports() {
    let (tx, mut rx) = mpsc::channel(16);
    let (_stop, shutdown) = watch::channel(false);
    let mut cfg = server("patrol-7");
    cfg.gnss_mmsi = Some(413_999_007);
    cfg.station = Some("patrol-7".into());
    let r = spawn(&[cfg], tx, shutdown).await.expect("spawn");
    let addr = r.local_addrs[0].expect("bound");
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n")
        .await
        .expect("write");
    let got = recv_n(&mut rx, 1).await;
    assert_eq!(got.len(), 1);
    let o = &got[0].observation;
    assert_eq!(
        (o.mmsi, o.station.as_deref()),
        (413_999_007, Some("patrol-7"))
    );
    let (lon, lat) = o.position.expect("a position");
    assert!(
        (lat - 48.1173).abs() < 1e-3 && (lon - 11.5167).abs() < 1e-3,
        "{lon} {lat}"
    );
    assert!(o.sog_kn.is_some_and(|s| (s - 22.4).abs() < 1e-3));
    assert_eq!(r.stats[0].gnss_fixes.load(Relaxed), 1);
}
