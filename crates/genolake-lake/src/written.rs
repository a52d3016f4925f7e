//! An object store that remembers the objects it was asked to write, so a
//! failed ingest can delete the data files it left behind.
//!
//! delta-rs's `DeltaWriter` rolls to a new file at the target file size and
//! finishes the old one in the background; when a writer is aborted, the
//! files it already finished are not reported anywhere. Writing through a
//! [`WrittenStore`] records every path at the moment its upload starts, so
//! nothing escapes the clean-up.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use deltalake::logstore::ObjectStoreRef;
use deltalake::logstore::object_store::path::Path;
use deltalake::logstore::object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};
use futures::stream::BoxStream;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Delegates to another store, recording the path of every object written.
#[derive(Debug)]
pub(crate) struct WrittenStore {
    inner: ObjectStoreRef,
    written: Mutex<Vec<Path>>,
}

impl WrittenStore {
    pub(crate) fn new(inner: ObjectStoreRef) -> Arc<Self> {
        Arc::new(Self {
            inner,
            written: Mutex::new(Vec::new()),
        })
    }

    fn record(&self, location: &Path) {
        if let Ok(mut written) = self.written.lock() {
            written.push(location.clone());
        }
    }

    /// The paths written so far, in the order their uploads started.
    pub(crate) fn written(&self) -> Vec<Path> {
        self.written.lock().map(|w| w.clone()).unwrap_or_default()
    }

    /// Deletes every object written through this store, best-effort:
    /// failures (an object that was never completed, say) are logged and
    /// skipped. Returns how many objects were deleted.
    pub(crate) async fn delete_written(&self) -> usize {
        let mut deleted = 0;
        for path in self.written() {
            match self.inner.delete(&path).await {
                Ok(()) => deleted += 1,
                Err(deltalake::logstore::object_store::Error::NotFound { .. }) => {}
                Err(e) => tracing::warn!("cannot delete {path} left by a failed ingest: {e}"),
            }
        }
        deleted
    }
}

impl fmt::Display for WrittenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrittenStore({})", self.inner)
    }
}

// `ObjectStore` is an `async_trait`; these are its methods written out as
// the boxed futures that macro would generate.
impl ObjectStore for WrittenStore {
    fn put_opts<'a, 'b, 'c>(
        &'a self,
        location: &'b Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> BoxFuture<'c, Result<PutResult>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.record(location);
        self.inner.put_opts(location, payload, opts)
    }

    fn put_multipart_opts<'a, 'b, 'c>(
        &'a self,
        location: &'b Path,
        opts: PutMultipartOptions,
    ) -> BoxFuture<'c, Result<Box<dyn MultipartUpload>>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.record(location);
        self.inner.put_multipart_opts(location, opts)
    }

    fn get_opts<'a, 'b, 'c>(
        &'a self,
        location: &'b Path,
        options: GetOptions,
    ) -> BoxFuture<'c, Result<GetResult>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.inner.get_opts(location, options)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    fn list_with_delimiter<'a, 'b, 'c>(
        &'a self,
        prefix: Option<&'b Path>,
    ) -> BoxFuture<'c, Result<ListResult>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.inner.list_with_delimiter(prefix)
    }

    fn copy_opts<'a, 'b, 'd, 'c>(
        &'a self,
        from: &'b Path,
        to: &'d Path,
        options: CopyOptions,
    ) -> BoxFuture<'c, Result<()>>
    where
        'a: 'c,
        'b: 'c,
        'd: 'c,
        Self: 'c,
    {
        self.record(to);
        self.inner.copy_opts(from, to, options)
    }

    fn rename_opts<'a, 'b, 'd, 'c>(
        &'a self,
        from: &'b Path,
        to: &'d Path,
        options: RenameOptions,
    ) -> BoxFuture<'c, Result<()>>
    where
        'a: 'c,
        'b: 'c,
        'd: 'c,
        Self: 'c,
    {
        self.record(to);
        self.inner.rename_opts(from, to, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::logstore::object_store::memory::InMemory;
    use futures::StreamExt;

    #[tokio::test]
    async fn records_every_write_and_deletes_them() {
        let inner: ObjectStoreRef = Arc::new(InMemory::new());
        inner
            .put(&Path::from("kept.parquet"), PutPayload::from_static(b"old"))
            .await
            .unwrap();
        let store = WrittenStore::new(inner.clone());
        store
            .put(&Path::from("a.parquet"), PutPayload::from_static(b"a"))
            .await
            .unwrap();
        let mut upload = store
            .put_multipart(&Path::from("p=1/b.parquet"))
            .await
            .unwrap();
        upload
            .put_part(PutPayload::from_static(b"b"))
            .await
            .unwrap();
        upload.complete().await.unwrap();
        assert_eq!(
            store.written(),
            [Path::from("a.parquet"), Path::from("p=1/b.parquet")]
        );

        assert_eq!(store.delete_written().await, 2);
        let left: Vec<_> = inner
            .list(None)
            .map(|m| m.unwrap().location)
            .collect()
            .await;
        assert_eq!(left, [Path::from("kept.parquet")]);
    }
}
