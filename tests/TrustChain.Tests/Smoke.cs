namespace TrustChain.Tests;

public class SerializationSmokeTests
{
    [Fact]
    public void A_request_id_round_trips_through_its_text()
    {
        var id = RequestId.New("node-1");
        Assert.Equal(id, RequestId.Parse(id.Value));
        Assert.Equal("node-1", id.Owner);
    }
}
