//! Attachments in an S3-compatible object store (XIAODI_TEST_S3_ENDPOINT; CI runs a local
//! S3-compatible server), on both databases.

use crate::helpers::{
    ADMIN_PASSWORD, Db, TestApp, group4, s3_endpoint, sign_agreement, spawn_app_with,
};
use reqwest::StatusCode;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use std::time::Duration;

const KEY: &str = "test-access-key";
const SECRET: &str = "test-secret-key";

/// A new bucket of its own in the S3-compatible server under test.
pub(crate) struct TestBucket {
    bucket: Bucket,
    credentials: Credentials,
    http: reqwest::Client,
}

impl TestBucket {
    pub(crate) async fn create(endpoint: &str) -> Self {
        let name = format!("xiaodi-{}", uuid::Uuid::new_v4().simple());
        let bucket =
            Bucket::new(endpoint.parse().unwrap(), UrlStyle::Path, name, "us-east-1").unwrap();
        let credentials = Credentials::new(KEY, SECRET);
        let http = reqwest::Client::new();
        let url = bucket
            .create_bucket(&credentials)
            .sign(Duration::from_secs(60));
        let resp = http
            .put(url)
            .header("content-length", "0")
            .body(Vec::new())
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "create bucket: {}",
            resp.status()
        );
        Self {
            bucket,
            credentials,
            http,
        }
    }

    /// Points a configuration at this bucket of the server at `endpoint`.
    pub(crate) fn configure(&self, endpoint: &str, c: &mut xiaodi::config::Config) {
        c.object_store_endpoint = endpoint.to_string();
        c.object_store_bucket = self.bucket.name().to_string();
        c.object_store_access_key = KEY.into();
        c.object_store_secret_key = SECRET.into();
    }

    pub(crate) async fn object(&self, sha256: &str) -> Option<Vec<u8>> {
        let key = format!("files/{}/{}", &sha256[..2], sha256);
        let url = self
            .bucket
            .get_object(Some(&self.credentials), &key)
            .sign(Duration::from_secs(60));
        let resp = self.http.get(url).send().await.unwrap();
        match resp.status() {
            StatusCode::OK => Some(resp.bytes().await.unwrap().to_vec()),
            StatusCode::NOT_FOUND => None,
            s => panic!("object store answered {s}"),
        }
    }
}

pub(crate) fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn scans_live_in_the_object_store(db: Db) {
    let Some(endpoint) = s3_endpoint() else {
        eprintln!("XIAODI_TEST_S3_ENDPOINT is not set: the object store story is skipped");
        return;
    };
    let bucket = TestBucket::create(&endpoint).await;
    let Some(app) = spawn_app_with(db, |c| bucket.configure(&endpoint, c)).await else {
        eprintln!("XIAODI_TEST_POSTGRES_URL is not set: skipped");
        return;
    };
    let app: TestApp = app;
    let g = group4(&app).await;
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let send = |date: &'static str, scan: Vec<u8>| {
        let (app, admin, g) = (&app, &admin, &g);
        async move {
            let parties = [&g.university, &g.town];
            sign_agreement(app, admin, &g.id, date, &parties, Some(scan)).await
        }
    };

    // A write the store refuses after the file was sent: the object is removed again.
    let late = b"%PDF-1.7 refused".to_vec();
    assert_eq!(
        send("2099-01-01", late.clone()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(bucket.object(&digest(&late)).await, None);

    let scan = b"%PDF-1.7 the signed tripartite agreement".to_vec();
    assert_eq!(
        send("2024-01-20", scan.clone()).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        bucket.object(&digest(&scan)).await,
        Some(scan.clone()),
        "stored in the bucket under its digest"
    );
    assert!(
        !app.data_dir.join("files").exists(),
        "nothing on the local disk"
    );
    let file_id = app.text("select id from attachments", &[]).await;
    let download = app.get_with(&admin, &format!("/files/{file_id}")).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().to_vec(), scan);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_live_in_the_object_store_sqlite() {
    scans_live_in_the_object_store(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_live_in_the_object_store_postgres() {
    scans_live_in_the_object_store(Db::Postgres).await;
}
