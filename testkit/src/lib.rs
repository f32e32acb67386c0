#![doc = include_str!("../README.md")]

use std::net::SocketAddr;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy: its URL, and how many connections it cut (or answers it dropped).
#[derive(Clone, Debug)]
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Faults injected so far.
    pub faults: Arc<AtomicUsize>,
}

impl Proxy {
    /// Faults injected so far.
    #[must_use]
    pub fn faults(&self) -> usize {
        self.faults.load(Ordering::SeqCst)
    }
}

/// What to do with each accepted connection.
#[derive(Clone, Debug)]
enum Fault {
    Chop(Range<usize>),
    DropFirstResponse(String),
}

/// A proxy to `upstream` that cuts every connection after a random number of bytes (in
/// `budget`) from the server. `on_fault` is called after each cut with the count so far.
///
/// # Errors
/// When no loopback port can be bound.
pub async fn chopping(
    upstream: SocketAddr,
    budget: Range<usize>,
    on_fault: impl Fn(usize) + Send + Sync + 'static,
) -> std::io::Result<Proxy> {
    start(
        upstream,
        Fault::Chop(budget.start.max(1)..budget.end.max(2)),
        on_fault,
    )
    .await
}

/// A proxy to `upstream` that, once, lets the first request containing `trigger` reach the
/// server and then drops the connection instead of relaying the answer.
///
/// # Errors
/// When no loopback port can be bound.
pub async fn cutting(
    upstream: SocketAddr,
    trigger: impl Into<String>,
    on_fault: impl Fn(usize) + Send + Sync + 'static,
) -> std::io::Result<Proxy> {
    start(upstream, Fault::DropFirstResponse(trigger.into()), on_fault).await
}

async fn start(
    upstream: SocketAddr,
    fault: Fault,
    on_fault: impl Fn(usize) + Send + Sync + 'static,
) -> std::io::Result<Proxy> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let proxy = Proxy {
        url: format!("http://{}", listener.local_addr()?),
        faults: Arc::new(AtomicUsize::new(0)),
    };
    let faults = proxy.faults.clone();
    let on_fault = Arc::new(on_fault);
    let fired = Arc::new(AtomicBool::new(false));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (fault, faults, on_fault, fired) = (
                fault.clone(),
                faults.clone(),
                on_fault.clone(),
                fired.clone(),
            );
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let count = move || on_fault(faults.fetch_add(1, Ordering::SeqCst) + 1);
                match fault {
                    Fault::Chop(budget) => chop(client, server, budget, count).await,
                    Fault::DropFirstResponse(trigger) => {
                        drop_response(client, server, &trigger, &fired, count).await;
                    }
                }
            });
        }
    });
    Ok(proxy)
}

async fn chop(client: TcpStream, server: TcpStream, budget: Range<usize>, count: impl Fn()) {
    let mut left: usize = rand::random_range(budget);
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async {
        let _ = tokio::io::copy(&mut cr, &mut sw).await;
    };
    let down = async {
        let mut buf = vec![0u8; 8192];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n.min(left),
            };
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
            left -= n;
            if left == 0 {
                count();
                return;
            }
        }
    };
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

async fn drop_response(
    client: TcpStream,
    server: TcpStream,
    trigger: &str,
    fired: &AtomicBool,
    count: impl Fn(),
) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let armed = AtomicBool::new(false);
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if String::from_utf8_lossy(&buf[..n]).contains(trigger)
                && !fired.swap(true, Ordering::SeqCst)
            {
                armed.store(true, Ordering::SeqCst);
            }
            if sw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if armed.load(Ordering::SeqCst) {
                // The server has acted; the client never hears of it.
                count();
                return;
            }
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}
