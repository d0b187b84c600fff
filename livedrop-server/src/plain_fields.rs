//! How the text log writes fields when it writes no colours: `name=value`, as
//! tracing-subscriber's default does, without asking for a style per field.
//!
//! The default formats each field through `nu_ansi_term` even when colours are off (an
//! italic name and a dimmed `=` that come out plain): the request span's three fields,
//! formatted once per request, cost a cached read 1,600 of its 44,600 instructions that
//! way. A message (and an error, with its sources) is still written by the default, which
//! also escapes what a terminal would interpret, so every line reads as before.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::{DefaultVisitor, Writer};

/// The text log's fields without colours (see the module doc).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PlainFields;

impl<'a> MakeVisitor<Writer<'a>> for PlainFields {
    type Visitor = PlainVisitor<'a>;

    fn make_visitor(&self, target: Writer<'a>) -> Self::Visitor {
        PlainVisitor {
            writer: target,
            is_empty: true,
            result: Ok(()),
        }
    }
}

/// Writes one span's or event's fields.
pub(crate) struct PlainVisitor<'a> {
    writer: Writer<'a>,
    is_empty: bool,
    result: fmt::Result,
}

impl PlainVisitor<'_> {
    /// Hands the field to the default visitor (messages, errors), on the same line.
    fn by_default(&mut self, record: impl FnOnce(&mut DefaultVisitor<'_>)) {
        let mut default = DefaultVisitor::new(self.writer.by_ref(), self.is_empty);
        record(&mut default);
        self.result = default.finish();
        self.is_empty = false;
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.result.is_err() {
            return;
        }
        if field.name() == "message" {
            self.by_default(|default| default.record_str(field, value));
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if self.result.is_ok() {
            self.by_default(|default| default.record_error(field, value));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_err() {
            return;
        }
        let name = field.name();
        if name == "message" {
            self.by_default(|default| default.record_debug(field, value));
            return;
        }
        let separator = if self.is_empty { "" } else { " " };
        self.is_empty = false;
        let name = name.strip_prefix("r#").unwrap_or(name);
        // The fixed parts as plain writes; only the value goes through `fmt`.
        self.result = self.writer.write_str(separator).and_then(|()| {
            self.writer.write_str(name)?;
            self.writer.write_char('=')?;
            write!(self.writer, "{value:?}")
        });
    }
}

impl VisitOutput<fmt::Result> for PlainVisitor<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for PlainVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex, PoisonError};

    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::fmt::format::DefaultFields;

    use super::*;

    /// The lines a subscriber wrote, shared with the test.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let mut lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            lines.extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// Logs lines of every kind of field under `fields`, without colours or time.
    fn logged<F>(fields: F) -> String
    where
        F: for<'w> tracing_subscriber::fmt::FormatFields<'w> + Send + Sync + 'static,
    {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(lines.clone())
            .with_ansi(false)
            .without_time()
            .fmt_fields(fields)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span =
                tracing::info_span!("request", method = %"GET", path = %"/x", request_id = %"id-1");
            let _entered = span.enter();
            let error = io::Error::other("the cause");
            tracing::info!(
                r#type = "t",
                count = 3,
                quoted = "a b",
                "plain \u{1b}[31mred\u{1b}[0m"
            );
            tracing::warn!(%error, "failed");
            tracing::warn!(
                error = &error as &(dyn std::error::Error + 'static),
                "with its source"
            );
        });
        let bytes = lines
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn lines_read_exactly_as_the_default_writes_them_without_colours() {
        let plain = logged(PlainFields);
        assert_eq!(plain, logged(DefaultFields::new()));
        assert!(
            plain.contains(r#"request{method=GET path=/x request_id=id-1}"#),
            "{plain}"
        );
        // A message's escape codes are still escaped, as the default does.
        assert!(!plain.contains('\u{1b}'), "{plain}");
    }
}
