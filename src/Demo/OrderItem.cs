namespace TrustChain.Demo;

public sealed record OrderItem(string Sku, int Qty);
