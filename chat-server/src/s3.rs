//! Attachments' bytes in an S3-compatible bucket (AWS S3, MinIO, Ceph, …), so that every node
//! of a community serves the files any of them stored. Each request is presigned with
//! rusty-s3 (credentials from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`) and sent with
//! reqwest. The engine's blob seam is synchronous and calls it off the async workers (from
//! blocking threads and the writer's thread), so a request waits on the runtime there.

use std::future::Future;
use std::io::{self, Read};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::body::Bytes;
use chat_engine::blobs::BlobStore;
use reqwest::StatusCode;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use tokio::runtime::Handle;

/// How long a presigned request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(60);

/// A bucket of blobs, named by their SHA-256.
#[derive(Debug)]
pub struct S3Blobs {
    bucket: Bucket,
    credentials: Option<Credentials>,
    http: reqwest::Client,
    runtime: Handle,
}

impl S3Blobs {
    /// The bucket `name` at `endpoint` (`https://s3.eu-west-1.amazonaws.com`, or a MinIO's
    /// address), addressed path-style; created if it does not exist.
    ///
    /// # Errors
    ///
    /// When the endpoint is not an http(s) URL, or the bucket can be neither found nor made.
    pub async fn open(endpoint: &str, name: &str, region: &str) -> anyhow::Result<Self> {
        let url = endpoint
            .parse()
            .with_context(|| format!("the S3 endpoint {endpoint:?} is not a URL"))?;
        let bucket = Bucket::new(url, UrlStyle::Path, name.to_owned(), region.to_owned())
            .with_context(|| format!("the S3 bucket {name:?} at {endpoint}"))?;
        let blobs = Self {
            bucket,
            credentials: Credentials::from_env(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()?,
            runtime: Handle::current(),
        };
        blobs.make_bucket().await?;
        Ok(blobs)
    }

    async fn make_bucket(&self) -> anyhow::Result<()> {
        let head = self
            .bucket
            .head_bucket(self.credentials.as_ref())
            .sign(SIGNED_FOR);
        let found = self
            .http
            .head(head)
            .send()
            .await
            .with_context(|| format!("cannot reach S3 at {}", self.bucket.base_url()))?;
        match found.status() {
            status if status.is_success() => return Ok(()),
            StatusCode::NOT_FOUND => {}
            status => bail!("S3 answered {status} for the bucket {}", self.bucket.name()),
        }
        let Some(credentials) = &self.credentials else {
            bail!("the S3 bucket {} does not exist", self.bucket.name());
        };
        let create = self.bucket.create_bucket(credentials);
        // Outside us-east-1 the bucket names its region.
        let body = match self.bucket.region() {
            "us-east-1" => String::new(),
            region => format!(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>"
            ),
        };
        let made = self
            .http
            .put(create.sign(SIGNED_FOR))
            .header(reqwest::header::CONTENT_LENGTH, body.len())
            .body(body)
            .send()
            .await?;
        if !made.status().is_success() {
            bail!("S3 answered {} to making the bucket", made.status());
        }
        tracing::info!(bucket = self.bucket.name(), "made the S3 bucket");
        Ok(())
    }

    fn wait<T>(&self, future: impl Future<Output = T>) -> T {
        wait(&self.runtime, future)
    }

    /// Sends `action` (one without a body), presigned, and waits for its answer.
    fn send<'a, A: S3Action<'a>>(&self, what: &str, action: &A) -> io::Result<reqwest::Response> {
        let method = reqwest::Method::from_bytes(A::METHOD.to_str().as_bytes())
            .map_err(|e| Self::failed(what, e))?;
        let url = action.sign(SIGNED_FOR);
        self.wait(async { self.http.request(method, url).send().await })
            .map_err(|e| Self::failed(what, e))
    }

    /// A request that failed, as I/O fails.
    fn failed(what: &str, error: impl std::fmt::Display) -> io::Error {
        io::Error::other(format!("S3 {what}: {error}"))
    }
}

impl BlobStore for S3Blobs {
    fn put(&self, key: &str, upload: &Path) -> io::Result<()> {
        let url = self
            .bucket
            .put_object(self.credentials.as_ref(), key)
            .sign(SIGNED_FOR);
        let size = std::fs::metadata(upload)?.len();
        let stored = self.wait(async {
            let file = tokio::fs::File::open(upload).await?;
            self.http
                .put(url)
                .header(reqwest::header::CONTENT_LENGTH, size)
                .body(file)
                .send()
                .await
                .map_err(|e| Self::failed("put", e))
        })?;
        match stored.status() {
            status if status.is_success() => Ok(()),
            status => Err(Self::failed("put", status)),
        }
    }

    fn get(&self, key: &str) -> io::Result<Box<dyn Read + Send>> {
        let action = self.bucket.get_object(self.credentials.as_ref(), key);
        let response = self.send("get", &action)?;
        match response.status() {
            status if status.is_success() => Ok(Box::new(Body {
                response,
                chunk: Bytes::new(),
                runtime: self.runtime.clone(),
            })),
            StatusCode::NOT_FOUND => Err(io::ErrorKind::NotFound.into()),
            status => Err(Self::failed("get", status)),
        }
    }

    fn check(&self) -> io::Result<()> {
        let action = self.bucket.head_bucket(self.credentials.as_ref());
        let found = self.send("bucket", &action)?;
        match found.status() {
            status if status.is_success() => Ok(()),
            status => Err(Self::failed("bucket", status)),
        }
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        let action = self.bucket.delete_object(self.credentials.as_ref(), key);
        let deleted = self.send("delete", &action)?;
        match deleted.status() {
            status if status.is_success() || status == StatusCode::NOT_FOUND => Ok(()),
            status => Err(Self::failed("delete", status)),
        }
    }
}

/// Waits for `future` on the runtime, from a thread that may block. The future must make its
/// requests inside (an `async` block): reqwest needs the runtime's reactor to start one.
fn wait<T>(runtime: &Handle, future: impl Future<Output = T>) -> T {
    if Handle::try_current().is_ok() {
        // A thread of the runtime: let it carry on elsewhere meanwhile.
        tokio::task::block_in_place(|| runtime.block_on(future))
    } else {
        runtime.block_on(future)
    }
}

/// An object's bytes as they arrive.
struct Body {
    response: reqwest::Response,
    chunk: Bytes,
    runtime: Handle,
}

impl Read for Body {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            let next = wait(&self.runtime, async { self.response.chunk().await });
            match next.map_err(|e| S3Blobs::failed("get", e))? {
                Some(chunk) => self.chunk = chunk,
                None => return Ok(0),
            }
        }
        let n = buffer.len().min(self.chunk.len());
        buffer[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}
