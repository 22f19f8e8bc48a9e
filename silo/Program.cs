using VLOrleans.Silo;
using VLOrleans.Silo.Endpoints;
using VLOrleans.Silo.Hosting;
using VLOrleans.Silo.Hubs;

// Content root = the executable's folder, so appsettings.json is found whatever the working directory (make run, tests).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddVLOrleans(builder.Configuration);
builder.AddVLOrleansSilo();
builder.Services.AddWebUi();
builder.Services.AddApiDocument();

var app = builder.Build();
app.UseVLOrleans();
// A model node (VLO:Role = model) answers only health, status and metrics over HTTP; its API is the web nodes'.
var servesApi = VLOrleans.Silo.Cluster.NodeRoles.ServesApi(VLOrleans.Silo.Cluster.NodeRoles.Of(app.Configuration));
if (servesApi) app.MapWebUi();
app.MapHealthEndpoints();
if (servesApi)
{
    app.MapOpenAiEndpoints();
    app.MapChatEndpoints();
    app.MapSessionEndpoints();
    app.MapApiDocument();
    app.MapHub<SessionHub>("/hubs/chat");
}
app.MapDashboard();
app.Run();

/// <summary>Entry point; declared partial so functional tests can host the real program.</summary>
public partial class Program;
