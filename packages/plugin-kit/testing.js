'use strict';
module.exports = require(require('./entry')('testing'));
