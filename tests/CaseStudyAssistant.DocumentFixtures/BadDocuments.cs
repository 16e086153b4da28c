using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;

namespace CaseStudyAssistant.DocumentFixtures;

/// <summary>Files a reader must refuse with a one-line reason, built in code.</summary>
public static class BadDocuments
{
    /// <summary>
    /// A one-page PDF protected by the standard security handler: its trailer names an /Encrypt dictionary whose
    /// password check an empty password does not pass, as with any PDF that asks for a password to open.
    /// </summary>
    public static byte[] PasswordProtectedPdf() => HandWritten(["(Quarterly board figures) Tj"], encrypt: true);

    /// <summary>
    /// A PDF written object by object (PdfPig's builder writes no XMP packet): one page with the given text lines,
    /// an optional XMP metadata stream, an optional /Encrypt dictionary that an empty password does not open.
    /// </summary>
    public static byte[] HandWritten(IReadOnlyList<string> showOperators, bool encrypt = false, string? xmp = null, string? infoTitle = null)
    {
        var sb = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        void Obj(string body)
        {
            offsets.Add(Encoding.UTF8.GetByteCount(sb.ToString()));
            sb.Append($"{offsets.Count} 0 obj\n{body}\nendobj\n");
        }
        Obj($"<< /Type /Catalog /Pages 2 0 R{(xmp is null ? "" : " /Metadata 5 0 R")} >>");
        Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        Obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >> >> >>");
        var content = "BT /F1 11 Tf 14 TL 72 720 Td " + string.Join(" T* ", showOperators) + " ET";
        Obj($"<< /Length {Encoding.UTF8.GetByteCount(content)} >>\nstream\n{content}\nendstream");
        if (xmp is not null) Obj($"<< /Type /Metadata /Subtype /XML /Length {Encoding.UTF8.GetByteCount(xmp)} >>\nstream\n{xmp}\nendstream");
        var encryptRef = 0;
        if (encrypt) { Obj($"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <{new string('7', 64)}> /U <{new string('3', 64)}> >>"); encryptRef = offsets.Count; }
        var infoRef = 0;
        if (infoTitle is not null) { Obj($"<< /Title ({infoTitle}) >>"); infoRef = offsets.Count; }
        var xref = Encoding.UTF8.GetByteCount(sb.ToString());
        sb.Append($"xref\n0 {offsets.Count + 1}\n0000000000 65535 f \n");
        foreach (var o in offsets) sb.Append($"{o:D10} 00000 n \n");
        sb.Append($"trailer\n<< /Size {offsets.Count + 1} /Root 1 0 R");
        if (encrypt) sb.Append($" /Encrypt {encryptRef} 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]");
        if (infoTitle is not null) sb.Append($" /Info {infoRef} 0 R");
        sb.Append($" >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Two pages that are each one image and no text, as a scanner makes them.</summary>
    public static byte[] ScannedPdf()
    {
        var builder = new PdfDocumentBuilder();
        for (var i = 0; i < 2; i++)
        {
            var page = builder.AddPage(PageSize.A4);
            page.AddPng(Png(120, 160), new PdfRectangle(40, 40, 555, 800));
        }
        return builder.Build();
    }

    /// <summary>The first half of a good PDF, as an interrupted download leaves it.</summary>
    public static byte[] Truncated(byte[] pdf) => pdf[..(pdf.Length / 2)];

    /// <summary>A small grey "page scan" as a PNG (RGB, zlib-compressed scanlines).</summary>
    public static byte[] Png(int width, int height)
    {
        var raw = new MemoryStream();
        for (var y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            for (var x = 0; x < width; x++)
            {
                var ink = (y % 12 < 2 && x > 10 && x < width - 10) ? (byte)60 : (byte)235;
                raw.WriteByte(ink); raw.WriteByte(ink); raw.WriteByte(ink);
            }
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) raw.WriteTo(z);
        var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        void Chunk(string type, byte[] data)
        {
            Span<byte> four = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
            png.Write(four);
            var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            png.Write(typed);
            BinaryPrimitives.WriteUInt32BigEndian(four, Crc32(typed));
            png.Write(four);
        }
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; header[9] = 2; // 8-bit RGB
        Chunk("IHDR", header);
        Chunk("IDAT", compressed.ToArray());
        Chunk("IEND", []);
        return png.ToArray();
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
