// The API explorer: GraphiQL with the token the console keeps (entered once, here or there).
(function () {
  var TOKEN_KEY = 'itinera.token';
  var input = document.getElementById('token');
  var form = document.getElementById('token-form');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));

  function render() {
    var token = localStorage.getItem(TOKEN_KEY) || '';
    input.value = token;
    var authorization = token ? 'Bearer ' + token : undefined;
    var fetcher = GraphiQL.createFetcher({
      url: location.origin + '/graphql',
      subscriptionUrl: location.origin.replace(/^http/, 'ws') + '/graphql',
      headers: authorization ? { authorization: authorization } : {},
      wsConnectionParams: authorization ? { authorization: authorization } : {},
    });
    root.render(
      React.createElement(GraphiQL, {
        key: token,
        fetcher: fetcher,
        // /graphql?query=... opens with that operation, so a link can share one.
        query: new URLSearchParams(location.search).get('query') || undefined,
        defaultQuery: '# Signed in with the token above (or the console\'s).\n{\n  viewer { workspaceId scope }\n  journeys { nodes { id name status version stats { entered active completed converted } } }\n}\n',
      }),
    );
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, input.value.trim());
    render();
  });
  render();
})();
