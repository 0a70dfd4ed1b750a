//! The thread an open document's checks run on, one a document.
//!
//! Why not tokio's blocking pool: a check of a large file allocates about what the check of
//! the version before allocated, and that version is freed once the new one is published.
//! On the pool, consecutive checks ran on whichever thread was free and each version was
//! freed on yet another, so with a thread-caching allocator (mimalloc, the binary's) every
//! check met memory cached on another thread's heap, handed back through cross-thread free
//! lists. A document's checks, the reading its edits reuse and the freeing of its old
//! versions all run here, one after another, so the memory a version frees is where the next
//! check allocates. `server/Cargo.toml` has what that measured.
//!
//! Jobs run in the order given. A panic in one is the answer to whoever waits for it, and the
//! thread goes on with the next; the thread ends once the document is closed (every handle
//! dropped) and the jobs given before are done.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

type Job = Box<dyn FnOnce() + Send>;

/// What a job that panicked left: the panic's payload.
pub type Panicked = Box<dyn Any + Send>;

#[derive(Clone)]
pub struct DocumentThread {
    jobs: mpsc::Sender<Job>,
}

impl DocumentThread {
    /// Starts the thread. If the process may not start another, jobs run on tokio's blocking
    /// pool instead ([`DocumentThread::send`]): slower to reuse memory, nothing else.
    pub fn start() -> Self {
        let (jobs, given) = mpsc::channel::<Job>();
        let _ = std::thread::Builder::new().name("mailflow-document".into()).spawn(move || {
            for job in given {
                // A job that panicked has answered already (`run`); the next one still runs.
                let _ = catch_unwind(AssertUnwindSafe(job));
            }
        });
        DocumentThread { jobs }
    }

    /// Runs `work` on the document's thread once the jobs given before it are done.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Panicked> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.send(Box::new(move || {
            let _ = answer.send(catch_unwind(AssertUnwindSafe(work)));
        }));
        // Dropped unanswered only when the runtime shut down before running it.
        answered.await.unwrap_or_else(|_| Err(Box::new("the server is shutting down")))
    }

    /// Frees `value` on the document's thread, after the jobs given before.
    pub fn free<T: Send + 'static>(&self, value: T) {
        self.send(Box::new(move || drop(value)));
    }

    fn send(&self, job: Job) {
        if let Err(mpsc::SendError(job)) = self.jobs.send(job) {
            drop(tokio::task::spawn_blocking(job));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_in_order_on_one_thread_and_a_panic_is_the_answer_of_its_job() {
        let thread = DocumentThread::start();
        let first = thread.run(|| std::thread::current().id()).await.unwrap();
        let panicked = thread.run(|| -> u8 { panic!("a check went wrong") }).await.unwrap_err();
        assert_eq!(panicked.downcast_ref::<&str>(), Some(&"a check went wrong"));
        let (freed, dropped) = std::sync::mpsc::channel();
        struct Dropped(std::sync::mpsc::Sender<std::thread::ThreadId>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                let _ = self.0.send(std::thread::current().id());
            }
        }
        thread.free(Dropped(freed));
        let after = thread.run(|| std::thread::current().id()).await.unwrap();
        assert_eq!(dropped.try_recv(), Ok(first), "freed on the document's thread, before the job given after it");
        assert_eq!(after, first);
        assert_ne!(first, std::thread::current().id());
    }
}
