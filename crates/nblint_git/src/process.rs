//! git's long-running filter protocol (`filter.<driver>.process`, protocol version 2): one
//! process filters every file of a git command, instead of one process per file as with
//! `filter.<driver>.clean`. For `git add` of many notebooks, starting a process per file
//! costs more than stripping them.
//!
//! The exchange, in pkt-lines (four hex digits giving the packet's length, header included,
//! then the data; `0000` is a flush packet that ends a list):
//!
//! ```text
//! git> git-filter-client / version=2 / flush      filter< git-filter-server / version=2 / flush
//! git> capability=clean / capability=smudge / ... / flush
//!                                                  filter< capability=clean / capability=smudge / flush
//! per file:
//! git> command=clean / pathname=a.ipynb / ... / flush, then the content in packets / flush
//!                                                  filter< status=success / flush,
//!                                                          the content in packets / flush,
//!                                                          flush (the status stands)
//! ```
//!
//! Smudge is offered and answered with the content unchanged: with `filter.<driver>.required`
//! set, git refuses to check out a file through a process that lacks a capability it needs.
//! See git's `Documentation/gitattributes.txt`, "Long Running Filter Process".
//!
//! Text packets are read as bytes: a `pathname=` value is whatever bytes git has for the
//! file's name (git allows any but NUL, and Linux file names need not be UTF-8), so a name
//! never ends the exchange; the filter receives it as bytes and shows it lossily.

use std::io::{self, Read, Write};

/// The most data one packet carries (git's `LARGE_PACKET_DATA_MAX`).
pub const MAX_PACKET_DATA: usize = 65520 - 4;

/// What git asks of the filter for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Working tree to index (`git add`): the content is cleaned.
    Clean,
    /// Index to working tree (checkout): the content is written as it is.
    Smudge,
}

/// One packet as read.
#[derive(Debug, PartialEq, Eq)]
enum Packet {
    Data(Vec<u8>),
    Flush,
}

/// An error of the exchange itself (not of a file's content, which the caller handles).
fn protocol_error(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Reads one packet; `None` at the end of input.
fn read_packet(input: &mut impl Read) -> io::Result<Option<Packet>> {
    let mut header = [0u8; 4];
    match input.read_exact(&mut header) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    }
    let length = std::str::from_utf8(&header)
        .ok()
        .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        .ok_or_else(|| protocol_error(format!("bad packet length {header:?}")))?;
    match length {
        0 => Ok(Some(Packet::Flush)),
        1..=4 => Err(protocol_error(format!(
            "unexpected special packet {length:04x}"
        ))),
        _ => {
            let mut data = vec![0; length - 4];
            input.read_exact(&mut data)?;
            Ok(Some(Packet::Data(data)))
        }
    }
}

/// Reads a list of text packets up to a flush, each without its final newline; `None` when
/// input ends before the list starts. The packets are kept as bytes: their values (a
/// pathname) need not be UTF-8.
fn read_text_list(input: &mut impl Read) -> io::Result<Option<Vec<Vec<u8>>>> {
    let mut lines = Vec::new();
    loop {
        match read_packet(input)? {
            None if lines.is_empty() => return Ok(None),
            None => return Err(protocol_error("input ended inside a list")),
            Some(Packet::Flush) => return Ok(Some(lines)),
            Some(Packet::Data(mut line)) => {
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                lines.push(line);
            }
        }
    }
}

/// A list of text packets as text, for error messages.
fn lossy(lines: &[Vec<u8>]) -> Vec<String> {
    lines
        .iter()
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect()
}

/// Reads content packets up to a flush.
fn read_content(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut content = Vec::new();
    loop {
        match read_packet(input)? {
            None => return Err(protocol_error("input ended inside a file's content")),
            Some(Packet::Flush) => return Ok(content),
            Some(Packet::Data(data)) => content.extend_from_slice(&data),
        }
    }
}

fn write_packet(output: &mut impl Write, data: &[u8]) -> io::Result<()> {
    debug_assert!(!data.is_empty() && data.len() <= MAX_PACKET_DATA);
    write!(output, "{:04x}", data.len() + 4)?;
    output.write_all(data)
}

fn write_flush(output: &mut impl Write) -> io::Result<()> {
    output.write_all(b"0000")
}

fn write_text_list(output: &mut impl Write, lines: &[&str]) -> io::Result<()> {
    for line in lines {
        write_packet(output, format!("{line}\n").as_bytes())?;
    }
    write_flush(output)
}

fn write_content(output: &mut impl Write, content: &[u8]) -> io::Result<()> {
    for chunk in content.chunks(MAX_PACKET_DATA) {
        write_packet(output, chunk)?;
    }
    write_flush(output)
}

/// Serves git on `input` and `output` until git closes `input`: the handshake, then each
/// file's content through `filter(command, pathname, content)`, whose result git stores (for
/// clean) or writes (for smudge). The pathname is the bytes git sent (any bytes but NUL;
/// show it with [`String::from_utf8_lossy`]). The filter cannot fail a file: it returns the
/// content to use, the input itself for content it does not understand.
///
/// Errors are those of the exchange: git speaking another protocol or version, a malformed
/// packet, input ending inside a request, or a failed write.
pub fn serve(
    mut input: impl Read,
    mut output: impl Write,
    mut filter: impl FnMut(Command, &[u8], Vec<u8>) -> Vec<u8>,
) -> io::Result<()> {
    let hello = read_text_list(&mut input)?.unwrap_or_default();
    if hello.first().map(Vec::as_slice) != Some(b"git-filter-client".as_slice()) {
        return Err(protocol_error(format!(
            "expected git-filter-client, got {:?}",
            lossy(&hello)
        )));
    }
    if !hello.iter().any(|line| line == b"version=2") {
        return Err(protocol_error(format!(
            "git offers no protocol version this filter speaks (2): {:?}",
            lossy(&hello)
        )));
    }
    write_text_list(&mut output, &["git-filter-server", "version=2"])?;
    output.flush()?;
    let offered = read_text_list(&mut input)?
        .ok_or_else(|| protocol_error("input ended before the capabilities"))?;
    let capabilities: Vec<&str> = ["capability=clean", "capability=smudge"]
        .into_iter()
        .filter(|wanted| offered.iter().any(|line| line == wanted.as_bytes()))
        .collect();
    write_text_list(&mut output, &capabilities)?;
    output.flush()?;
    while let Some(request) = read_text_list(&mut input)? {
        let value = |key: &[u8]| {
            request
                .iter()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix(b"="))
        };
        let command = match value(b"command") {
            Some(b"clean") => Command::Clean,
            Some(b"smudge") => Command::Smudge,
            other => {
                let other = other.map(String::from_utf8_lossy);
                return Err(protocol_error(format!("unknown command {other:?}")));
            }
        };
        let pathname = value(b"pathname").unwrap_or_default().to_vec();
        let content = read_content(&mut input)?;
        let filtered = filter(command, &pathname, content);
        write_text_list(&mut output, &["status=success"])?;
        write_content(&mut output, &filtered)?;
        // An empty list: the status stays "success".
        write_flush(&mut output)?;
        output.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// git's side of a session: the handshake, then each (command, pathname, content).
    fn git_session(files: &[(&str, &[u8], &[u8])]) -> Vec<u8> {
        let mut input = Vec::new();
        write_text_list(&mut input, &["git-filter-client", "version=2"]).unwrap();
        write_text_list(
            &mut input,
            &["capability=clean", "capability=smudge", "capability=delay"],
        )
        .unwrap();
        for (command, pathname, content) in files {
            write_packet(&mut input, format!("command={command}\n").as_bytes()).unwrap();
            write_packet(&mut input, &[b"pathname=", *pathname, b"\n"].concat()).unwrap();
            write_flush(&mut input).unwrap();
            write_content(&mut input, content).unwrap();
        }
        input
    }

    /// One file's answer: its status list and content.
    type Answer = (Vec<String>, Vec<u8>);

    /// What the filter answered: its handshake lists, then per file its status and content.
    fn answers(mut output: &[u8]) -> (Vec<Vec<String>>, Vec<Answer>) {
        let handshake = vec![
            lossy(&read_text_list(&mut output).unwrap().unwrap()),
            lossy(&read_text_list(&mut output).unwrap().unwrap()),
        ];
        let mut files = Vec::new();
        while let Some(status) = read_text_list(&mut output).unwrap() {
            let status = lossy(&status);
            let content = read_content(&mut output).unwrap();
            assert_eq!(read_text_list(&mut output).unwrap(), Some(Vec::new()));
            files.push((status, content));
        }
        (handshake, files)
    }

    #[test]
    fn cleans_each_file_and_passes_smudge_through() {
        let big: Vec<u8> = (0..3 * MAX_PACKET_DATA + 17).map(|i| i as u8).collect();
        let input = git_session(&[
            ("clean", b"a.ipynb", b"dirty"),
            ("smudge", b"a.ipynb", b"stored"),
            ("clean", b"big.ipynb", &big),
            ("clean", b"empty.ipynb", b""),
        ]);
        let mut seen = Vec::new();
        let mut output = Vec::new();
        serve(
            input.as_slice(),
            &mut output,
            |command, pathname, content| {
                seen.push((command, pathname.to_vec(), content.len()));
                match command {
                    Command::Clean => [b"clean:".as_slice(), &content].concat(),
                    Command::Smudge => content,
                }
            },
        )
        .unwrap();
        assert_eq!(
            seen,
            [
                (Command::Clean, b"a.ipynb".to_vec(), 5),
                (Command::Smudge, b"a.ipynb".to_vec(), 6),
                (Command::Clean, b"big.ipynb".to_vec(), big.len()),
                (Command::Clean, b"empty.ipynb".to_vec(), 0),
            ]
        );
        let (handshake, files) = answers(&output);
        assert_eq!(
            handshake,
            [
                vec!["git-filter-server", "version=2"],
                vec!["capability=clean", "capability=smudge"]
            ]
        );
        let contents: Vec<Vec<u8>> = files
            .into_iter()
            .map(|(status, content)| {
                assert_eq!(status, ["status=success"]);
                content
            })
            .collect();
        assert_eq!(contents[0], b"clean:dirty");
        assert_eq!(contents[1], b"stored");
        assert_eq!(contents[2], [b"clean:".as_slice(), &big].concat());
        assert_eq!(contents[3], b"clean:");
    }

    #[test]
    fn a_pathname_that_is_not_utf8_is_passed_as_bytes() {
        // Latin-1 "café.ipynb", as a file created on a Latin-1 system is named on Linux.
        let name: &[u8] = b"caf\xe9.ipynb";
        let input = git_session(&[("clean", name, b"dirty"), ("clean", b"b.ipynb", b"next")]);
        let mut seen = Vec::new();
        let mut output = Vec::new();
        serve(input.as_slice(), &mut output, |_, pathname, content| {
            seen.push(pathname.to_vec());
            [b"clean:".as_slice(), &content].concat()
        })
        .unwrap();
        assert_eq!(seen, [name.to_vec(), b"b.ipynb".to_vec()]);
        let (_, files) = answers(&output);
        assert_eq!(
            files,
            [
                (vec!["status=success".to_owned()], b"clean:dirty".to_vec()),
                (vec!["status=success".to_owned()], b"clean:next".to_vec()),
            ]
        );
    }

    #[test]
    fn packets_never_exceed_the_limit() {
        let mut output = Vec::new();
        write_content(&mut output, &vec![b'x'; 2 * MAX_PACKET_DATA + 1]).unwrap();
        let mut reader = output.as_slice();
        let mut sizes = Vec::new();
        while let Some(Packet::Data(data)) = read_packet(&mut reader).unwrap() {
            sizes.push(data.len());
        }
        assert_eq!(sizes, [MAX_PACKET_DATA, MAX_PACKET_DATA, 1]);
    }

    #[test]
    fn refuses_other_protocols_and_truncated_requests() {
        let identity = |_: Command, _: &[u8], content: Vec<u8>| content;
        let mut wrong = Vec::new();
        write_text_list(&mut wrong, &["git-filter-client", "version=3"]).unwrap();
        assert!(serve(wrong.as_slice(), Vec::new(), identity).is_err());
        assert!(serve(&b"zzzz"[..], Vec::new(), identity).is_err());
        let mut truncated = git_session(&[("clean", b"a.ipynb", b"content")]);
        truncated.truncate(truncated.len() - 6);
        assert!(serve(truncated.as_slice(), Vec::new(), identity).is_err());
        let unknown = git_session(&[("frobnicate", b"a.ipynb", b"")]);
        assert!(serve(unknown.as_slice(), Vec::new(), identity).is_err());
        // git closing the pipe between files is the normal end.
        let done = git_session(&[]);
        assert!(serve(done.as_slice(), Vec::new(), identity).is_ok());
    }
}
