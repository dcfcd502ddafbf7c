namespace TrustChain.Silo.Demo;

public sealed record OrderItem(string Sku, int Qty);
