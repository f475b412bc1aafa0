'use strict';
module.exports = require(require('./entry')('index'));
