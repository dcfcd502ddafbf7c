using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TrustChain.Signing;

/// <summary>
/// The private keys of the workers this node hosts, from <see cref="SigningOptions.Keys"/> or
/// <see cref="SigningOptions.KeyFolder"/>; without either, a key generated at start that lives as long as the process
/// (development mode, said in the log). A key read from a file keeps its own algorithm; a generated one is of
/// <see cref="SigningOptions.Algorithm"/> (Ed25519 unless set).
/// </summary>
public sealed partial class WorkerKeyRing(IOptions<SigningOptions> options, ILogger<WorkerKeyRing> logger) : IDisposable
{
    private readonly SigningOptions _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
    private readonly ConcurrentDictionary<string, Lazy<WorkerKey>> _keys = new(StringComparer.Ordinal);

    /// <summary>The key a hosted worker signs its replies with; null when this node's workers do not sign.</summary>
    public WorkerKey? SigningKeyFor(string worker) => _options.SignReplies ? For(worker) : null;

    /// <summary>The worker's key, loaded (or generated) the first time it is asked for.</summary>
    public WorkerKey For(string worker)
    {
        ArgumentException.ThrowIfNullOrEmpty(worker);
        return _keys.GetOrAdd(worker, w => new Lazy<WorkerKey>(() => Load(w))).Value;
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values.Where(k => k.IsValueCreated))
        {
            key.Value.Dispose();
        }
    }

    private WorkerKey Load(string worker)
    {
        ReplySigningKey key;
        if (_options.Keys.TryGetValue(worker, out var path))
        {
            key = ReadPrivate(path);
            LogLoaded(worker, path, key.Algorithm);
        }
        else if (_options.KeyFolder is { Length: > 0 } folder)
        {
            path = Path.Combine(folder, $"{worker}.pem");
            if (File.Exists(path))
            {
                key = ReadPrivate(path);
                LogLoaded(worker, path, key.Algorithm);
            }
            else
            {
                key = ReplySigningKey.Generate(_options.Algorithm);
                try
                {
                    Directory.CreateDirectory(folder);
                    File.WriteAllText(path, key.ExportPkcs8Pem());
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    }
                }
                catch
                {
                    key.Dispose();
                    throw;
                }

                LogGeneratedIntoFolder(worker, path, key.Algorithm);
            }
        }
        else
        {
            key = ReplySigningKey.Generate(_options.Algorithm);
            LogDevelopmentKey(worker, key.Algorithm);
        }

        var loaded = new WorkerKey(worker, key);
        LogKey(worker, loaded.KeyId, loaded.Algorithm);
        return loaded;
    }

    /// <summary>The key in a PEM file; its algorithm is the one the file's key names (Ed25519, or ECDSA P-256).</summary>
    private static ReplySigningKey ReadPrivate(string path)
    {
        try
        {
            return ReplySigningKey.ReadPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException or FormatException)
        {
            throw new InvalidOperationException($"'{path}' holds no Ed25519 or P-256 private key in PEM (PKCS#8, or SEC1 for P-256): {ex.Message}", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No key configured for worker {Worker} (TrustChain:Signing:Keys or KeyFolder): it signs with an {Algorithm} key generated for this process only (development mode); other nodes trust it only as announced, and it changes at every restart")]
    private partial void LogDevelopmentKey(string worker, string algorithm);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} signs with the {Algorithm} key in {Path}")]
    private partial void LogLoaded(string worker, string path, string algorithm);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} had no key in the key folder; generated an {Algorithm} key into {Path}")]
    private partial void LogGeneratedIntoFolder(string worker, string path, string algorithm);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} signs with {Algorithm} key {KeyId}")]
    private partial void LogKey(string worker, string keyId, string algorithm);
}
