// Raneto's configuration shape: labdeck reads site_title and variables (run with node).
module.exports = {
  site_title: 'Scaling a Blog',
  variables: [
    { name: 'app_namespace', content: process.env.APP_NAMESPACE },
    { name: 'app_name', content: 'blog' }
  ]
};
