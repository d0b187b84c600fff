//! [`FrameReader`]: server-sent events parsed by hand from the body's bytes, so the mode
//! sees every frame exactly as sent (`open`, `reset`, `reconnect` and each `id:`), which
//! the client's stream hides (it resumes by itself and drops repeats).

/// One event: the fields this mode reads. Comments (the `:` heartbeats) are not frames.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The `id:` line, if the frame had one (not carried over from earlier frames, as a
    /// browser would: the check wants to know which frames named a position).
    pub id: Option<String>,
    /// The `event:` line (`message` when absent, as the SSE spec says).
    pub event: String,
    /// The `data:` lines joined by `\n`.
    pub data: String,
}

/// Buffers body chunks and hands out the complete frames in them.
#[derive(Debug, Default)]
pub struct FrameReader {
    pending: Vec<u8>,
}

impl FrameReader {
    /// Adds `chunk` and returns the frames it completed, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Frame> {
        self.pending.extend_from_slice(chunk);
        let mut frames = Vec::new();
        // A frame ends at a blank line; the server writes `\n`, the spec also allows `\r\n`.
        while let Some((end, skip)) = blank_line(&self.pending) {
            let block: Vec<u8> = self.pending.drain(..end + skip).take(end).collect();
            if let Some(frame) = parse(&String::from_utf8_lossy(&block)) {
                frames.push(frame);
            }
        }
        frames
    }
}

/// Where the first blank line starts and how long the terminator is.
fn blank_line(bytes: &[u8]) -> Option<(usize, usize)> {
    let lf = bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|at| (at, 2));
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| (at, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// One block of lines as a frame; `None` for a block of comments only (a heartbeat).
fn parse(block: &str) -> Option<Frame> {
    let mut frame = Frame::default();
    let mut data: Vec<&str> = Vec::new();
    let mut fields = 0;
    for line in block.lines() {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        fields += 1;
        match name {
            "id" => frame.id = Some(value.to_owned()),
            "event" => value.clone_into(&mut frame.event),
            "data" => data.push(value),
            _ => {}
        }
    }
    if fields == 0 {
        return None;
    }
    if frame.event.is_empty() {
        "message".clone_into(&mut frame.event);
    }
    frame.data = data.join("\n");
    Some(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_across_chunks_come_out_whole_and_heartbeats_do_not() {
        let mut reader = FrameReader::default();
        assert!(reader.push(b"id: 4.0\nevent: open\nda").is_empty());
        let frames =
            reader.push(b"ta: {}\n\n:\n\nid: 5.0\nevent: drop.started\ndata: {\"a\":1}\n\n");
        assert_eq!(
            frames,
            vec![
                Frame {
                    id: Some("4.0".to_owned()),
                    event: "open".to_owned(),
                    data: "{}".to_owned()
                },
                Frame {
                    id: Some("5.0".to_owned()),
                    event: "drop.started".to_owned(),
                    data: "{\"a\":1}".to_owned()
                },
            ]
        );
        assert!(reader.pending.is_empty());
    }

    #[test]
    fn crlf_frames_and_frames_without_id_or_event_read_as_the_spec_says() {
        let mut reader = FrameReader::default();
        let frames = reader.push(b"data: a\r\ndata: b\r\n\r\nevent: stock\ndata: {}\n\n");
        assert_eq!(frames[0].id, None);
        assert_eq!(frames[0].event, "message");
        assert_eq!(frames[0].data, "a\nb");
        assert_eq!(frames[1].event, "stock");
    }
}
