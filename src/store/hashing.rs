//! Password hashing (argon2id) on a fixed set of threads, one per core, each reusing the argon2
//! memory it allocated when it started.
//!
//! Why not `spawn_blocking`: each argon2 call needs 19 MiB. Run on tokio's blocking threads (up
//! to 512 of them), a burst of sign-ins allocated that on dozens of threads at once, and glibc
//! keeps what a thread's arena once held: 400 sign-ins from 32 clients left the server at 971 MB
//! resident (issue 7). Here the memory is `workers × 19 MiB`, allocated once; a burst waits in
//! the queue instead (each hash takes a core anyway, so more threads would not finish sooner).

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use tokio::sync::oneshot;

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<anyhow::Result<String>>,
    },
    Verify {
        password: String,
        /// `None`: check against a dummy hash, so an unknown name costs as long as a known one.
        hash: Option<String>,
        reply: oneshot::Sender<bool>,
    },
}

/// The queue to the hashing threads; cheap to clone. The threads end when the last clone is dropped.
#[derive(Clone)]
pub struct Hasher {
    jobs: mpsc::Sender<Job>,
    workers: usize,
}

impl Hasher {
    /// Starts `workers` hashing threads (at least one).
    pub fn start(workers: usize) -> Self {
        let workers = workers.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..workers {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&queue))
                .expect("start a password hashing thread");
        }
        Self { jobs, workers }
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for a new password, with a random salt.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Hash { password, reply })
            .map_err(|_| anyhow::anyhow!("password hashing threads have stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("password hashing thread ended"))?
    }

    /// Whether `password` matches the stored `hash` (always false for `None`, after as long a check).
    pub async fn verify(&self, password: String, hash: Option<String>) -> bool {
        let (reply, answer) = oneshot::channel();
        if self
            .jobs
            .send(Job::Verify {
                password,
                hash,
                reply,
            })
            .is_err()
        {
            return false;
        }
        answer.await.unwrap_or(false)
    }
}

/// One hashing thread: takes jobs until every [`Hasher`] is dropped.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    // Allocated at the first job, then kept for this thread's life: the 19 MiB argon2 needs with
    // the default parameters (a command that never hashes never allocates it).
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = {
            let Ok(queue) = queue.lock() else { return };
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        if memory.is_empty() {
            memory = vec![Block::new(); Params::default().block_count()];
        }
        match job {
            Job::Hash { password, reply } => {
                let _ = reply.send(hash_with(&mut memory, password.as_bytes()));
            }
            Job::Verify {
                password,
                hash,
                reply,
            } => {
                let ok = match hash {
                    Some(h) => verify_with(&mut memory, password.as_bytes(), &h),
                    None => {
                        let dummy = dummy_hash(&mut memory);
                        let _ = verify_with(&mut memory, password.as_bytes(), dummy);
                        false
                    }
                };
                let _ = reply.send(ok);
            }
        }
    }
}

/// A hash to verify against when the name has no account (made once, by the first thread that needs it).
fn dummy_hash(memory: &mut [Block]) -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(h) = HASH.get() {
        return h;
    }
    let made = hash_with(memory, b"not-a-real-password-Aa1!").unwrap_or_default();
    HASH.get_or_init(|| made)
}

fn hash_with(memory: &mut [Block], password: &[u8]) -> anyhow::Result<String> {
    let params = Params::default();
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon
        .hash_password_into_with_memory(
            password,
            &salt,
            &mut out,
            &mut memory[..params.block_count()],
        )
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("hash output: {e}"))?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a PHC string, with the parameters the string names. A stored hash
/// that needs more memory than this thread holds (made with other parameters) gets its own, once.
fn verify_with(memory: &mut [Block], password: &[u8], hash: &str) -> bool {
    let Ok(phc) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm.as_str()) else {
        return false;
    };
    let version = match phc.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    let done = if params.block_count() <= memory.len() {
        let blocks = params.block_count();
        argon.hash_password_into_with_memory(password, salt, &mut out, &mut memory[..blocks])
    } else {
        argon.hash_password_into(password, salt, &mut out)
    };
    done.is_ok() && constant_time_eq(&out, expected.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_match_the_argon2_crate() {
        let hasher = Hasher::start(2);
        let h = hasher.hash("Harbour#2024pw".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            hasher
                .verify("Harbour#2024pw".into(), Some(h.clone()))
                .await
        );
        assert!(
            !hasher
                .verify("Harbour#2024px".into(), Some(h.clone()))
                .await
        );
        assert!(!hasher.verify("Harbour#2024pw".into(), None).await);
        assert!(!hasher.verify("x".into(), Some("not a hash".into())).await);
        // Hashes made by the argon2 crate's own API (as stored before this pool) still verify,
        // and ours verify there.
        use argon2::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"Lychee#Tree7")
            .unwrap()
            .to_string();
        assert!(hasher.verify("Lychee#Tree7".into(), Some(theirs)).await);
        assert!(
            Argon2::default()
                .verify_password(b"Harbour#2024pw", h.as_str())
                .is_ok()
        );
        // A hash with smaller memory parameters verifies too (a slice of this thread's memory).
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 2, 1, None).unwrap(),
        )
        .hash_password(b"Lychee#Tree7")
        .unwrap()
        .to_string();
        assert!(hasher.verify("Lychee#Tree7".into(), Some(small)).await);
    }
}
