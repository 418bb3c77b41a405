//! Records for the engine's reports: statistics, the integrity check, backups. Durations are
//! seconds as floats, null where there is none.

use std::time::Duration;

use super::{Record, ToRecord, Value};
use crate::db::{IntegrityReport, Stats};

fn seconds(d: Option<Duration>) -> Value {
    d.map_or(Value::Null, |d| Value::Float(d.as_secs_f64()))
}

impl ToRecord for Stats {
    fn to_record(&self) -> Record {
        Record::new("stats")
            .with("page_size", self.page_size)
            .with("total_pages", self.total_pages)
            .with("used_pages", self.used_pages)
            .with("free_pages", self.free_pages)
            .with("pending_pages", self.pending_pages)
            .with("wal_pages", self.wal_pages)
            .with("file_bytes", self.file_bytes)
            .with("wal_bytes", self.wal_bytes)
            .with("last_txid", self.last_txid)
            .with("commits", self.commits)
            .with("checkpoints", self.checkpoints)
            .with("live_readers", self.live_readers)
            .with("oldest_reader_age_seconds", seconds(self.oldest_reader_age))
            .with(
                "last_checkpoint_age_seconds",
                seconds(self.last_checkpoint_age),
            )
            .with("uptime_seconds", seconds(Some(self.uptime)))
    }
}

impl ToRecord for IntegrityReport {
    fn to_record(&self) -> Record {
        Record::new("integrity_report")
            .with("ok", self.is_ok())
            .with("pages_checked", self.pages_checked)
            .with("tables", self.tables)
            .with("entries", self.entries)
            .with("errors", &self.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integrity_report_says_whether_it_is_ok() {
        let mut report = IntegrityReport {
            pages_checked: 9,
            ..IntegrityReport::default()
        };
        assert_eq!(report.to_record().to_json()["ok"], true);
        report.errors.push("page 7: bad checksum".into());
        let j = report.to_record().to_json();
        assert_eq!(j["ok"], false);
        assert_eq!(j["errors"][0], "page 7: bad checksum");
    }

    #[test]
    fn stats_render_durations_as_seconds_or_null() {
        let stats = Stats {
            page_size: 4096,
            total_pages: 10,
            free_pages: 1,
            pending_pages: 0,
            used_pages: 9,
            wal_pages: 2,
            file_bytes: 40960,
            wal_bytes: 8192,
            last_txid: 3,
            commits: 3,
            checkpoints: 0,
            wal_syncs: 0,
            wal_appended_bytes: 0,
            wal_delta_records: 0,
            live_readers: 0,
            oldest_reader_age: None,
            last_checkpoint_age: None,
            uptime: Duration::from_millis(1500),
        };
        let j = stats.to_record().to_json();
        assert_eq!(j["uptime_seconds"], 1.5);
        assert_eq!(j["oldest_reader_age_seconds"], serde_json::Value::Null);
        assert_eq!(j["wal_bytes"], 8192);
    }
}
