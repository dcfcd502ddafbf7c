using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace TrustChain.Api;

public static class TrustChainApiServiceCollectionExtensions
{
    /// <summary>
    /// The Web API's settings (<c>TrustChain:Api</c>, validated at start), its in-flight limits and the check of
    /// payloads against their topic's schema.
    /// </summary>
    public static IServiceCollection AddTrustChainApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TrustChainApiOptions>().BindConfiguration(TrustChainApiOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrustChainApiOptions>, TrustChainApiOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InFlightLimit>();
        services.TryAddSingleton<PayloadValidator>();
        return services;
    }
}
