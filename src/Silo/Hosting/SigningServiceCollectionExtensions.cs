using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TrustChain.Runtime;
using TrustChain.Signing;

namespace TrustChain.Hosting;

/// <summary>Fraud prevention for a node: its workers' keys, its trust store and its signing policy.</summary>
internal static class SigningServiceCollectionExtensions
{
    public static IServiceCollection AddSigning(this IServiceCollection services)
    {
        services.AddSingleton<IConfigureOptions<SigningOptions>, BindSigningConfiguration>();
        services.AddSingleton<IPostConfigureOptions<SigningOptions>, DefaultSigningPolicy>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SigningOptions>, SigningOptionsValidator>());
        services.AddOptions<SigningOptions>().ValidateOnStart();
        services.TryAddSingleton<WorkerKeyRing>();
        services.TryAddSingleton<TrustStore>();
        return services;
    }

    private sealed class BindSigningConfiguration(IServiceProvider services) : IConfigureOptions<SigningOptions>
    {
        public void Configure(SigningOptions options) => services.GetService<IConfiguration>()?.GetSection(SigningOptions.SectionName).Bind(options);
    }

    /// <summary>
    /// Unset, the policy follows the engine: replies that cross a broker are signed, replies that stay in one
    /// process need not be.
    /// </summary>
    private sealed class DefaultSigningPolicy(IServiceProvider services) : IPostConfigureOptions<SigningOptions>
    {
        public void PostConfigure(string? name, SigningOptions options) =>
            options.Policy ??= services.GetRequiredService<ITransport>() is ITransportHealth ? SigningPolicy.Signed : SigningPolicy.None;
    }
}
