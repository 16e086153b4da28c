using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace CaseStudyAssistant.Embedding;

/// <summary>
/// A sentence-embedding model run in-process on the CPU: WordPiece tokenisation (lower-cased, accents stripped),
/// ONNX Runtime inference, pooling and L2 normalisation. Texts are batched by length so padding stays small.
/// Inputs longer than the model's window are cut, and counted in <see cref="Truncated"/>; the chunker keeps
/// chunks inside the window so that this does not happen at ingest.
/// </summary>
internal sealed partial class OnnxEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>, IEmbeddingWindow
{
    private readonly LocalModel _model;
    private readonly BertTokenizer _tokenizer;
    private readonly InferenceSession _session;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly bool _hasTokenTypes;
    private readonly string _output;
    private readonly int _batchSize;
    private long _truncated;

    public int Dimensions { get; }
    public int MaxTokens => _model.MaxTokens;
    public long Truncated => Interlocked.Read(ref _truncated);

    public OnnxEmbeddingGenerator(LocalModel model, int threads = 0, int batchSize = 8)
    {
        _model = model;
        _batchSize = Math.Max(1, batchSize);
        using (var vocab = model.Open("vocab.txt"))
            _tokenizer = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true, ApplyBasicTokenization = true });
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // Without the arena, activation buffers are returned after each batch instead of being kept at their peak.
            EnableCpuMemArena = false,
        };
        // Idle worker threads sleep instead of spinning: on a busy machine (a server, CI) spinning threads steal the
        // cores the other threads of the same batch need.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (model.ExtractModel() is { } file) _session = new InferenceSession(file, options);
        else
        {
            using var stream = model.Open("model.onnx");
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            _session = new InferenceSession(bytes, options);
        }
        _hasTokenTypes = _session.InputMetadata.ContainsKey("token_type_ids");
        _output = _session.OutputMetadata.ContainsKey("last_hidden_state") ? "last_hidden_state" : _session.OutputMetadata.Keys.First();
        Dimensions = (int)_session.OutputMetadata[_output].Dimensions[^1];
        _metadata = new EmbeddingGeneratorMetadata("onnxruntime", null, model.Name, Dimensions);
    }

    /// <summary>Word pieces of a text as the model sees it, without the two special tokens.</summary>
    public int CountTokens(string text) => _tokenizer.EncodeToIds(Normalize(text), addSpecialTokens: false).Count;

    // The WordPiece pre-tokenizer turns a line break between two words into unknown pieces ("budget\nretrieval"
    // would lose both words), so every run of whitespace becomes one space first.
    // Accents are stripped as the uncased model was trained ("café" is "cafe"). Unicode decomposition is not
    // available with invariant globalization, so Latin letters are folded from a table.
    private static string Normalize(string text)
    {
        var spaced = Whitespace().Replace(text, " ").Trim();
        if (spaced.All(c => c < 128)) return spaced;
        var folded = new System.Text.StringBuilder(spaced.Length);
        foreach (var ch in spaced)
        {
            var i = Accented.IndexOf(ch);
            if (i >= 0) folded.Append(Plain[i]);
            else if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(ch) != System.Globalization.UnicodeCategory.NonSpacingMark) folded.Append(ch);
        }
        return folded.ToString();
    }

    private const string Accented = "ÀÁÂÃÄÅàáâãäåĀāĂăĄąÇçĆćČčĎďÈÉÊËèéêëĒēĖėĘęĚěÌÍÎÏìíîïĪīĮįÑñŃńŇňÒÓÔÕÖØòóôõöøŌōŐőŘřŚśŠšŞşŤťÙÚÛÜùúûüŪūŮůŰűÝýÿŹźŻżŽž";
    private const string Plain = "AAAAAAaaaaaaAaAaAaCcCcCcDdEEEEeeeeEeEeEeEeIIIIiiiiIiIiNnNnNnOOOOOOooooooOoOoRrSsSsSsTtUUUUuuuuUuUuUuYyyZzZzZz";

    [System.Text.RegularExpressions.GeneratedRegex(@"\s+")]
    private static partial System.Text.RegularExpressions.Regex Whitespace();

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prefix = EmbeddingInput.IsQuery(options) ? _model.QueryPrefix : "";
        var texts = values.Select(v => prefix + v).ToList();
        var ids = texts.Select(Encode).ToList();
        var vectors = new float[texts.Count][];
        // Longest first and in length order, so each batch pads to about its own length.
        var order = Enumerable.Range(0, ids.Count).OrderByDescending(i => ids[i].Length).ToList();
        foreach (var batch in order.Chunk(_batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var embedded = Run(batch.Select(i => ids[i]).ToList());
            for (var k = 0; k < batch.Length; k++) vectors[batch[k]] = embedded[k];
        }
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = _model.Name }));
        return Task.FromResult(result);
    }

    private long[] Encode(string text)
    {
        var pieces = _tokenizer.EncodeToIds(Normalize(text), addSpecialTokens: false);
        var keep = Math.Min(pieces.Count, _model.MaxTokens - 2);
        if (keep < pieces.Count) Interlocked.Increment(ref _truncated);
        var ids = new long[keep + 2];
        ids[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < keep; i++) ids[i + 1] = pieces[i];
        ids[^1] = _tokenizer.SeparatorTokenId;
        return ids;
    }

    private float[][] Run(List<long[]> batch)
    {
        var rows = batch.Count;
        var width = batch.Max(b => b.Length);
        var inputIds = new long[rows * width];
        var mask = new long[rows * width];
        for (var r = 0; r < rows; r++)
        {
            batch[r].CopyTo(inputIds, r * width);
            Array.Fill(mask, 1L, r * width, batch[r].Length);
            if (batch[r].Length < width) Array.Fill(inputIds, _tokenizer.PaddingTokenId, r * width + batch[r].Length, width - batch[r].Length);
        }
        long[] shape = [rows, width];
        var names = new List<string> { "input_ids", "attention_mask" };
        var inputs = new List<OrtValue> { OrtValue.CreateTensorValueFromMemory(inputIds, shape), OrtValue.CreateTensorValueFromMemory(mask, shape) };
        if (_hasTokenTypes) { names.Add("token_type_ids"); inputs.Add(OrtValue.CreateTensorValueFromMemory(new long[rows * width], shape)); }
        try
        {
            // Held in a variable and disposed after the call: an inline `new RunOptions()` can be finalized by a GC
            // while the native run still uses it (a use-after-free that crashed a busy server).
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, names, inputs, [_output]);
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            var result = new float[rows][];
            for (var r = 0; r < rows; r++)
            {
                var vector = new float[Dimensions];
                var length = batch[r].Length;
                if (_model.Pooling == Pooling.Cls) hidden.Slice(r * width * Dimensions, Dimensions).CopyTo(vector);
                else
                {
                    for (var t = 0; t < length; t++)
                        TensorPrimitives.Add(vector, hidden.Slice((r * width + t) * Dimensions, Dimensions), vector);
                    TensorPrimitives.Divide(vector, length, vector);
                }
                var norm = TensorPrimitives.Norm(vector);
                if (norm > 0) TensorPrimitives.Divide(vector, norm, vector);
                result[r] = vector;
            }
            return result;
        }
        finally { foreach (var v in inputs) v.Dispose(); }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType.IsInstanceOfType(_metadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() => _session.Dispose();
}
