// The homeroom renderer's shape: an initialize function that declares data variables.
function initialize(workshop) {
    workshop.load_workshop();
    workshop.data_variable('app_host', 'app-' + (process.env.PROJECT_NAMESPACE || 'workshop'));
}

exports.default = initialize;
module.exports = exports.default;
