//! Connections to PostgreSQL. A small tokio runtime on a thread of its own drives their
//! sockets; any thread (a tokio worker reading, the engine's writer committing) then waits for
//! its queries' answers without entering that runtime, so the synchronous [`Backend`]
//! seam holds.
//!
//! [`Backend`]: crate::store::Backend

use std::collections::HashMap;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker, ready};
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};
use tokio_postgres::types::ToSql;
use tokio_postgres::{AsyncMessage, Client, Config, Row, Statement};

use super::tls::Tls;
use crate::error::StorageError;

/// The runtime that drives every connection's socket, on its own thread.
#[derive(Debug)]
pub(super) struct Driver {
    runtime: tokio::runtime::Handle,
    /// How connections are made: plain or over TLS.
    tls: Tls,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Driver {
    /// Starts the driver's thread, which makes connections over `tls`.
    pub(super) fn start(tls: Tls) -> Result<Self, StorageError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(StorageError::new)?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("chat-engine-postgres".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(StorageError::new)?;
        Ok(Self {
            runtime: handle,
            tls,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Opens a new connection.
    pub(super) fn connect(&self, config: &Config) -> Result<Connection, StorageError> {
        let (config, tls) = (config.clone(), self.tls.clone());
        let (sent, received) = std::sync::mpsc::channel();
        self.runtime.spawn(async move {
            let connected = config.connect(tls).await.map(|(client, connection)| {
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::warn!(%error, "a PostgreSQL connection ended");
                    }
                });
                client
            });
            let _ = sent.send(connected);
        });
        let client = received
            .recv()
            .map_err(|_| StorageError::new("the PostgreSQL driver stopped"))?
            .map_err(|error| {
                StorageError::new(format!(
                    "cannot connect to PostgreSQL: {}",
                    describe(&error)
                ))
            })?;
        Ok(Connection {
            client,
            statements: HashMap::new(),
            in_transaction: false,
        })
    }

    /// Listens on a notification channel, on a connection of its own, and wakes `wake` at
    /// each notification but those whose payload is `own`; reconnects (every second) while
    /// the server is away, waking `wake` on each return, since notifications sent meanwhile
    /// are lost.
    pub(super) fn listen(
        &self,
        config: &Config,
        channel: &'static str,
        own: String,
        wake: Arc<Notify>,
    ) {
        let (config, tls) = (config.clone(), self.tls.clone());
        let listen = format!("LISTEN {channel}");
        self.runtime.spawn(async move {
            loop {
                if let Ok((client, mut connection)) = config.connect(tls.clone()).await {
                    let listen = client.batch_execute(&listen);
                    let messages = std::future::poll_fn(|cx| {
                        while let Some(Ok(message)) = ready!(connection.poll_message(cx)) {
                            if let AsyncMessage::Notification(notice) = message
                                && notice.payload() != own
                            {
                                wake.notify_one();
                            }
                        }
                        Poll::Ready(())
                    });
                    let listened = async {
                        if listen.await.is_ok() {
                            wake.notify_one();
                            std::future::pending::<()>().await;
                        }
                    };
                    // Ends when the connection does (the listen never ends by itself).
                    tokio::select! {
                        () = messages => {}
                        () = listened => {}
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One connection with the statements it prepared.
pub(super) struct Connection {
    client: Client,
    statements: HashMap<String, Statement>,
    /// Whether a transaction may still be open (the next `begin` rolls it back first).
    in_transaction: bool,
}

/// A statement to run, with its parameters.
pub(super) type Write<'a> = (String, Vec<&'a (dyn ToSql + Sync)>);

/// A request on its way, boxed so that different ones can be polled together.
type Pending<'a> = Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + 'a>>;

impl Connection {
    /// Starts a transaction (`BEGIN` with these options), ending one left open first.
    pub(super) fn begin(&mut self, begin: &str) -> Result<(), StorageError> {
        let sql = self.begin_sql(begin);
        self.batch(&sql)
    }

    /// Starts a transaction and runs a first query in it, in one round trip.
    pub(super) fn begin_with(
        &mut self,
        begin: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StorageError> {
        let statement = self.statement(sql)?;
        let begin = self.begin_sql(begin);
        let client = &self.client;
        let mut rows = Vec::new();
        let sent: Vec<Pending<'_>> = vec![
            Box::pin(client.batch_execute(&begin)),
            Box::pin(async {
                rows = client.query(&statement, params).await?;
                Ok(())
            }),
        ];
        block_on(pipelined(sent)).map_err(failure)?;
        Ok(rows)
    }

    /// Runs the writes, then `before_commit` (a `NOTIFY`) and `COMMIT`, in one round trip. If
    /// a write fails, the ones after it and the commit fail too: the transaction rolls back.
    pub(super) fn commit_writes(
        &mut self,
        writes: &[Write<'_>],
        before_commit: &str,
    ) -> Result<(), StorageError> {
        let statements = writes
            .iter()
            .map(|(sql, _)| self.statement(sql))
            .collect::<Result<Vec<_>, _>>()?;
        let client = &self.client;
        let commit = format!("{before_commit}; COMMIT");
        let mut sent: Vec<Pending<'_>> = statements
            .iter()
            .zip(writes)
            .map(|(statement, (_, params))| -> Pending<'_> {
                Box::pin(async move { client.execute(statement, params).await.map(drop) })
            })
            .collect();
        sent.push(Box::pin(client.batch_execute(&commit)));
        block_on(pipelined(sent)).map_err(failure)?;
        self.in_transaction = false;
        Ok(())
    }

    /// The statement that starts a transaction, rolling back one left open first.
    fn begin_sql(&mut self, begin: &str) -> String {
        let open = std::mem::replace(&mut self.in_transaction, true);
        if open {
            format!("ROLLBACK; {begin}")
        } else {
            begin.to_owned()
        }
    }

    /// Commits the open transaction.
    pub(super) fn commit(&mut self) -> Result<(), StorageError> {
        self.batch("COMMIT")?;
        self.in_transaction = false;
        Ok(())
    }

    /// Rolls the open transaction back.
    pub(super) fn rollback(&mut self) -> Result<(), StorageError> {
        self.batch("ROLLBACK")?;
        self.in_transaction = false;
        Ok(())
    }

    /// Runs statements without parameters (the simple query protocol).
    pub(super) fn batch(&mut self, sql: &str) -> Result<(), StorageError> {
        block_on(self.client.batch_execute(sql)).map_err(failure)
    }

    /// Runs a query, preparing its statement on first use.
    pub(super) fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StorageError> {
        let statement = self.statement(sql)?;
        block_on(self.client.query(&statement, params)).map_err(failure)
    }

    /// Runs a statement, preparing it on first use; returns how many rows it changed.
    pub(super) fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StorageError> {
        let statement = self.statement(sql)?;
        block_on(self.client.execute(&statement, params)).map_err(failure)
    }

    /// Whether the server ended the connection.
    pub(super) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StorageError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = block_on(self.client.prepare(sql)).map_err(failure)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// Polls the requests together, so that each is sent before any waits for its answer (one
/// round trip for all: the server answers them in order), until every one is answered; the
/// first error, in order, is the answer.
async fn pipelined(mut sent: Vec<Pending<'_>>) -> Result<(), tokio_postgres::Error> {
    let mut answers: Vec<Option<Result<(), tokio_postgres::Error>>> =
        sent.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut waiting = false;
        for (request, answer) in sent.iter_mut().zip(&mut answers) {
            if answer.is_none() {
                match request.as_mut().poll(cx) {
                    Poll::Ready(answered) => *answer = Some(answered),
                    Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    answers.into_iter().flatten().collect()
}

/// Wakes the thread that waits in [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Waits on this thread for a client future. A client's futures only exchange messages with
/// the connection's task on the driver's runtime, so they need no runtime of their own.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
    }
}

/// A PostgreSQL error with its cause: the client's own message names only its kind ("db
/// error", "error connecting to server").
pub(super) fn describe(error: &tokio_postgres::Error) -> String {
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}

/// A PostgreSQL error as a storage error, with its cause.
#[allow(clippy::needless_pass_by_value)] // the shape `map_err` takes
pub(super) fn failure(error: tokio_postgres::Error) -> StorageError {
    StorageError::new(describe(&error))
}
