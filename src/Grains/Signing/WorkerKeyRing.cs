using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TrustChain.Signing;

/// <summary>
/// The private keys of the workers this node hosts, from <see cref="SigningOptions.Keys"/> or
/// <see cref="SigningOptions.KeyFolder"/>; without either, a key generated at start that lives as long as the process
/// (development mode, said in the log).
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
        var key = ECDsa.Create();
        try
        {
            if (_options.Keys.TryGetValue(worker, out var path))
            {
                ImportPrivate(key, path);
                LogLoaded(worker, path);
            }
            else if (_options.KeyFolder is { Length: > 0 } folder)
            {
                path = Path.Combine(folder, $"{worker}.pem");
                if (File.Exists(path))
                {
                    ImportPrivate(key, path);
                    LogLoaded(worker, path);
                }
                else
                {
                    key.GenerateKey(ECCurve.NamedCurves.nistP256);
                    Directory.CreateDirectory(folder);
                    File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    }

                    LogGeneratedIntoFolder(worker, path);
                }
            }
            else
            {
                key.GenerateKey(ECCurve.NamedCurves.nistP256);
                LogDevelopmentKey(worker);
            }

            var loaded = new WorkerKey(worker, key);
            LogKey(worker, loaded.KeyId);
            return loaded;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static void ImportPrivate(ECDsa key, string path)
    {
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new InvalidOperationException($"'{path}' holds no EC private key in PEM: {ex.Message}", ex);
        }

        if (key.KeySize != 256)
        {
            throw new InvalidOperationException($"'{path}' holds a {key.KeySize}-bit key; TrustChain signs with P-256.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No key configured for worker {Worker} (TrustChain:Signing:Keys or KeyFolder): it signs with a key generated for this process only (development mode); other nodes trust it only as announced, and it changes at every restart")]
    private partial void LogDevelopmentKey(string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} signs with the key in {Path}")]
    private partial void LogLoaded(string worker, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} had no key in the key folder; generated one into {Path}")]
    private partial void LogGeneratedIntoFolder(string worker, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} signs with key {KeyId}")]
    private partial void LogKey(string worker, string keyId);
}
