//! A transcript wrapper around a stream: copies what the server sends into a capped buffer
//! and refuses to read past a hard byte limit, so a hostile server cannot exhaust memory.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

#[derive(Debug, Default)]
struct Inner {
    bytes: Vec<u8>,
    total_read: u64,
    keep: usize,
    limit: u64,
    preload: Vec<u8>,
}

/// Shared view of what a [`Tap`] has read. Cloning shares the same buffer.
#[derive(Clone, Debug)]
pub struct Transcript(Arc<Mutex<Inner>>);

impl Transcript {
    /// `keep`: how many bytes are kept for evidence; `limit`: total bytes the stream may read.
    pub fn new(keep: usize, limit: u64) -> Self {
        Self(Arc::new(Mutex::new(Inner {
            keep,
            limit,
            ..Inner::default()
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Total bytes read from the peer so far (including bytes not kept).
    pub fn total_read(&self) -> u64 {
        self.lock().total_read
    }

    /// The kept bytes, lossily decoded.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.lock().bytes).into_owned()
    }

    /// The kept bytes split into lines (without CRLF), each cut to `max` characters.
    pub fn lines(&self, max: usize) -> Vec<String> {
        self.text()
            .split('\n')
            .map(|l| clip(l.trim_end_matches('\r'), max))
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// Bytes handed to the reader before any real read (e.g. a synthetic SMTP banner).
    pub fn preload(&self, bytes: &[u8]) {
        self.lock().preload.extend_from_slice(bytes);
    }

    /// Forget kept bytes (the byte count and limit stay).
    pub fn clear(&self) {
        self.lock().bytes.clear();
    }
}

/// Cuts a string to at most `max` characters, marking the cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// A stream that records what it reads into a [`Transcript`].
pub struct Tap<S> {
    inner: S,
    log: Transcript,
}

impl<S> Tap<S> {
    pub fn new(inner: S, log: Transcript) -> Self {
        Self { inner, log }
    }
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
    pub fn transcript(&self) -> &Transcript {
        &self.log
    }
}

impl<S> fmt::Debug for Tap<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tap")
            .field("read", &self.log.total_read())
            .finish()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        {
            let mut log = self.log.lock();
            if !log.preload.is_empty() {
                let n = log.preload.len().min(buf.remaining());
                let chunk: Vec<u8> = log.preload.drain(..n).collect();
                buf.put_slice(&chunk);
                return Poll::Ready(Ok(()));
            }
            if log.total_read >= log.limit {
                return Poll::Ready(Err(io::Error::other(LimitExceeded(log.limit))));
            }
        }
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            let new = &buf.filled()[before..];
            let mut log = self.log.lock();
            log.total_read += new.len() as u64;
            let room = log.keep.saturating_sub(log.bytes.len());
            let take = room.min(new.len());
            log.bytes.extend_from_slice(&new[..take]);
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    // rustls hands over its records as one vectored write: passed through, they leave in one
    // segment instead of one per record.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The error a [`Tap`] returns once the peer sent more than the limit.
#[derive(Debug, thiserror::Error)]
#[error("the server sent more than {0} bytes")]
pub struct LimitExceeded(pub u64);

/// Streams that know their peer address (lettre needs it).
pub trait PeerAddr {
    fn peer(&self) -> io::Result<SocketAddr>;
}

impl PeerAddr for TcpStream {
    fn peer(&self) -> io::Result<SocketAddr> {
        self.peer_addr()
    }
}

impl<S: PeerAddr> PeerAddr for Tap<S> {
    fn peer(&self) -> io::Result<SocketAddr> {
        self.inner.peer()
    }
}

impl<S: PeerAddr> PeerAddr for tokio_rustls::client::TlsStream<S> {
    fn peer(&self) -> io::Result<SocketAddr> {
        self.get_ref().0.peer()
    }
}

#[derive(Debug, Default)]
struct Opened {
    logs: Vec<Transcript>,
    sources: Vec<IpAddr>,
}

/// The connections a leg opened: bytes read from the server are counted for the report
/// (including on failure), and the bound source addresses are kept in order.
#[derive(Clone, Debug, Default)]
pub struct Meter(Arc<Mutex<Opened>>);

impl Meter {
    fn lock(&self) -> MutexGuard<'_, Opened> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
    pub(crate) fn add(&self, t: &Transcript) {
        self.lock().logs.push(t.clone());
    }
    pub(crate) fn add_source(&self, ip: IpAddr) {
        self.lock().sources.push(ip);
    }
    /// Total bytes read by all connections of the leg so far.
    pub fn total(&self) -> u64 {
        self.lock().logs.iter().map(Transcript::total_read).sum()
    }
    /// The source addresses the leg's connections were bound to, in order (empty when unbound).
    pub fn sources(&self) -> Vec<IpAddr> {
        self.lock().sources.clone()
    }
    /// The bound source of the leg's first connection, as the report shows it.
    pub fn first_source(&self) -> Option<String> {
        self.lock().sources.first().map(ToString::to_string)
    }
}
